"""Run independent tasks on this process, a local process pool or a Dask cluster.

Every executor yields results in task order, so the output of an ensemble or a sweep is
the same bytes whatever runs it: tasks carry their own seeds and never share state.
At most a window of tasks is in flight; finished results wait in memory only until the
caller takes them, so a long run streams instead of piling up.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice
from typing import Any

Submit = Callable[..., Future]

IN_FLIGHT_PER_WORKER = 4
"""Tasks queued per worker: enough to keep each busy while the caller consumes results."""


def windowed[T](submit: Submit, func: Callable[..., T], tasks: Iterable[Sequence[Any]],
             window: int) -> Iterator[T]:
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


def run_ordered[T](func: Callable[..., T], tasks: Sequence[Sequence[Any]], workers: int = 1,
                scheduler: str | None = None) -> Iterator[T]:
    """Yield ``func(*task)`` for every task, in order.

    ``workers=1`` (or a single task) runs here; more use a forkserver process pool (not
    fork: the parent may hold threads, e.g. a Dask client or a progress bar); a
    ``scheduler`` address sends the tasks to a Dask distributed cluster instead.
    """
    if scheduler is not None:
        from model.runs.distributed import dask_ordered

        yield from dask_ordered(func, tasks, scheduler)
        return
    if workers <= 1 or len(tasks) <= 1:
        for task in tasks:
            yield func(*task)
        return
    context = multiprocessing.get_context("forkserver")
    workers = min(workers, len(tasks))
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        yield from windowed(pool.submit, func, tasks, IN_FLIGHT_PER_WORKER * workers)
