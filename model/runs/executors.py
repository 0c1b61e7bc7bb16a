"""Run independent tasks on this process, a local process pool or a Dask cluster.

Every executor yields results in task order, so the output of an ensemble or a sweep is
the same bytes whatever runs it: tasks carry their own seeds and never share state.
At most a window of tasks is in flight; finished results wait in memory only until the
caller takes them, so a long run streams instead of piling up.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from model.runs.window import IN_FLIGHT_PER_WORKER, windowed


def run_ordered[T](
    func: Callable[..., T],
    tasks: Sequence[Sequence[Any]],
    workers: int = 1,
    scheduler: str | None = None,
) -> Iterator[T]:
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
    # the forkserver imports the task's module once and forks each worker from it, so a
    # worker does not import numpy, Mesa and the model again (no effect once it runs)
    context.set_forkserver_preload([func.__module__])
    workers = min(workers, len(tasks))
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        yield from windowed(pool.submit, func, tasks, IN_FLIGHT_PER_WORKER * workers)
