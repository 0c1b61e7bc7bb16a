"""A window of tasks in flight: what every executor (a process pool, a Dask cluster, the
calibration's pool) shares, so that results come back in task order while at most
``window`` tasks wait to be taken.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future
from itertools import islice
from typing import Any

Submit = Callable[..., Future]

IN_FLIGHT_PER_WORKER = 4
"""Tasks queued per worker: enough to keep each busy while the caller consumes results."""


def windowed[T](
    submit: Submit, func: Callable[..., T], tasks: Iterable[Sequence[Any]], window: int
) -> Iterator[T]:
    """Submit ``func(*task)`` for each task, at most ``window`` at a time; yield in order.

    ``submit`` is ``executor.submit`` or ``client.submit``: both return futures with
    ``result()`` and ``cancel()``. Unfinished tasks are cancelled if the caller stops early.
    """
    pending: deque[Future] = deque()
    remaining = iter(tasks)
    try:
        for task in islice(remaining, max(1, window)):
            pending.append(submit(func, *task))
        while pending:
            result = pending.popleft().result()
            task = next(remaining, None)
            if task is not None:
                pending.append(submit(func, *task))
            yield result
    finally:
        for future in pending:
            future.cancel()
