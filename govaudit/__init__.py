"""The command line: the one composition root. Only this package wires browsers, clients, workers, web and the
store together; nothing below imports it (see .importlinter)."""
