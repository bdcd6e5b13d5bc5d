"""The machine's load, printed at the start and end of every bench: figures taken under load are not comparable."""
from __future__ import annotations

import os
import time


def load_line(when: str) -> str:
    """«load at start: 1.23 0.98 0.75 (2 cores) 06:30:01Z»."""
    one, five, fifteen = os.getloadavg()
    return (f"load at {when}: {one:.2f} {five:.2f} {fifteen:.2f} ({os.cpu_count()} cores) "
            f"{time.strftime('%H:%M:%SZ', time.gmtime())}")
