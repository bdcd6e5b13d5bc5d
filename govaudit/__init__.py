"""The command line: the one composition root. Only this package wires browsers, clients, workers, web and the
store together; nothing below imports it (see .importlinter)."""
import time as _time

# When the command line's imports began: the zero of the start-up phase of ``--profile`` (auditor/profile.py).
STARTED = _time.perf_counter()
