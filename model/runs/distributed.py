"""The Dask distributed executor behind ``--scheduler ADDRESS`` (the ``[distributed]`` extra).

Tasks are the same chunks, with the same seeds, that the local executor runs, and
results are gathered in task order, so a cluster gives byte-identical results. Workers
must have this package installed (``pip install asean-sim[distributed]``) at the same
version as the client: they import ``model`` to run the chunks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import Any

from model.runs.window import IN_FLIGHT_PER_WORKER, windowed
from model.vocabulary import InputError


class DistributedUnavailable(InputError):
    """``--scheduler`` was given but dask.distributed is not installed."""


def _client(address: str):
    try:
        from dask.distributed import Client
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise DistributedUnavailable(
            "--scheduler needs Dask: pip install 'asean-sim[distributed]'"
        ) from exc
    return Client(address, set_as_default=False)


def dask_ordered[T](
    func: Callable[..., T], tasks: Sequence[Sequence[Any]], address: str
) -> Iterator[T]:
    """Yield ``func(*task)`` for every task, computed on the cluster at ``address``, in order.

    ``pure=False``: two identical tasks are still two runs (Dask would otherwise
    deduplicate them by hashing their arguments).
    """
    with _client(address) as client:
        threads = sum(client.nthreads().values()) or 1
        submit = partial(client.submit, pure=False)
        yield from windowed(submit, func, tasks, IN_FLIGHT_PER_WORKER * threads)
