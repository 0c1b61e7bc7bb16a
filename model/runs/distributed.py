"""The Dask distributed executor behind ``--scheduler ADDRESS`` (the ``[distributed]`` extra).

Tasks are the same chunks, with the same seeds, that the local executor runs, and
results are gathered in task order, so a cluster gives byte-identical results. Workers
must have this package installed (``pip install asean-sim[distributed]``) at the same
version as the client: they import ``model`` to run the chunks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from model.runs.executors import IN_FLIGHT_PER_WORKER, windowed
from model.vocabulary import InputError

if TYPE_CHECKING:
    import numpy as np

    from model.runs.ensemble import Plan, ReplicateResult



class DistributedUnavailable(InputError):
    """``--scheduler`` was given but dask.distributed is not installed."""


def _client(address: str):
    try:
        from dask.distributed import Client
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise DistributedUnavailable(
            "--scheduler needs Dask: pip install 'asean-sim[distributed]'") from exc
    return Client(address, set_as_default=False)


def dask_ordered[T](func: Callable[..., T], tasks: Sequence[Sequence[Any]], address: str
                 ) -> Iterator[T]:
    """Yield ``func(*task)`` for every task, computed on the cluster at ``address``, in order.

    ``pure=False``: two identical tasks are still two runs (Dask would otherwise
    deduplicate them by hashing their arguments).
    """
    with _client(address) as client:
        threads = sum(client.nthreads().values()) or 1
        submit = partial(client.submit, pure=False)
        yield from windowed(submit, func, tasks, IN_FLIGHT_PER_WORKER * threads)


def iterate_dask(plan: Plan, chunks: Sequence[range], seeds: Sequence[np.random.SeedSequence],
                 scheduler: str) -> Iterator[ReplicateResult]:
    """Yield an ensemble's replicates, run chunk by chunk on a Dask cluster, in order."""
    from model.runs.ensemble import _run_chunk

    tasks = [(plan.scenario, chunk, [seeds[i] for i in chunk], plan.draw) for chunk in chunks]
    for results in dask_ordered(_run_chunk, tasks, scheduler):
        yield from results
