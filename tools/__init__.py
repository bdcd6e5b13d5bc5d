"""Tooling that is not the product: the W3C ACT conformance suite runner and its scoring."""
