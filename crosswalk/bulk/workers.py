"""The worker processes of a bulk run: concurrent.futures' process pool, forked once the parent is warm.

``multiprocessing.Pool`` replaces a worker that dies (killed by the out-of-memory killer, say) and then waits
forever for the task the dead worker held, so a run would hang. ``ProcessPoolExecutor`` fails every task in
flight with ``BrokenProcessPool`` instead, which `result` turns into `WorkerLost`: one line, the run stopped."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from crosswalk.errors import WorkerLost

T = TypeVar("T")


def start(jobs: int, initializer: Callable[..., None], initargs: tuple) -> ProcessPoolExecutor:
    """``jobs`` workers, forked now (where the platform forks): a fork-based pool starts all its workers at its
    first task, so a trivial one here forks them before the parent holds a file list or a database cursor."""
    import multiprocessing as mp

    context = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else None)
    pool = ProcessPoolExecutor(jobs, mp_context=context, initializer=initializer, initargs=initargs)
    try:
        result(pool.submit(int))
    except BaseException:
        stop(pool)
        raise
    return pool


def submit(pool: ProcessPoolExecutor, fn: Callable[..., T], *args: Any) -> Future[T]:
    """``pool.submit``; a pool whose worker died meanwhile is `WorkerLost`."""
    try:
        return pool.submit(fn, *args)
    except BrokenProcessPool:
        raise _lost() from None


def result(future: Future[T]) -> T:
    """The future's result; a worker that died meanwhile is `WorkerLost`."""
    try:
        return future.result()
    except BrokenProcessPool:
        raise _lost() from None


def results(pool: ProcessPoolExecutor, fn: Callable[..., T], tasks: Iterable[Any], chunksize: int) -> Iterator[T]:
    """``pool.map`` (every task submitted at once, results in order); a worker that died is `WorkerLost`."""
    try:
        yield from pool.map(fn, tasks, chunksize=chunksize)
    except BrokenProcessPool:
        raise _lost() from None


def _lost() -> WorkerLost:
    return WorkerLost("a worker process died (killed by a signal: out of memory?); the run stopped")


def stop(pool: Any) -> None:
    """No new task starts; the tasks running finish (their files are written whole or not at all) and the
    workers exit before this returns."""
    pool.shutdown(wait=True, cancel_futures=True)
