"""Clients that read the world apart from the browser: HTTP (link availability, light fetches), DNS (resolution,
IPv6 probing) and OCR. They sit on the gathering side beside ``browsers/``; the domain (``auditor/``) only reads
what they return."""
