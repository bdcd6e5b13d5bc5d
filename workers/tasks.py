"""Stopping the background tasks a job started (a browser launch, the services probe, an early render) when the
job ends before it needed them, so that none is left running or its error unread."""
from __future__ import annotations

import asyncio
from typing import Any


async def cancel_and_wait(*tasks: "asyncio.Future[Any]") -> None:
    """Cancel every task not yet done and wait for all of them; their results and errors are dropped."""
    for task in tasks:
        if not task.done():
            task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
