"""Background tasks of the backend: stopping them."""
from __future__ import annotations

import asyncio


async def cancel_all(*tasks: asyncio.Task | None) -> None:
    """Cancel every task given (None: skipped), then wait until each has ended."""
    running = [task for task in tasks if task is not None]
    for task in running:
        task.cancel()
    for task in running:
        try:
            await task
        except asyncio.CancelledError:
            pass
