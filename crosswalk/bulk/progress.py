"""The progress bar of bulk runs: tqdm on stderr with a total, the rate and an ETA, only when stderr is a terminal.

Documents are counted where they are converted: every worker process adds to one shared counter as it finishes
a document (each line of an ``.ndjson`` file as it goes, so a single large file moves the bar too), and a thread
in the parent draws the bar from that counter. The total is counted by a second thread walking the same inputs
(each ``.ndjson`` line a document, any other file one until its real count is known), so the bar starts at once
and gains its total and ETA when the count is done. Nothing is drawn, and nothing is counted, when stderr is not
a terminal (a pipe, a file, a test's captured output).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from crosswalk.bulk.kind import LINE_SUFFIXES
from crosswalk.bulk.walk import iter_files, plan_for

POLL_SECONDS = 0.2

# The counter of the running bar (a multiprocessing.Value created before the workers fork, so they share it)
# and, per process, how many documents this process has counted (for `counted`).
_COUNTER: Any = None
_local_count = 0


def tick(n: int = 1) -> None:
    """Count ``n`` finished documents (in a worker or in the parent); a no-op without a bar."""
    global _local_count
    _local_count += n
    if _COUNTER is not None and n:
        with _COUNTER.get_lock():
            _COUNTER.value += n


def counted() -> int:
    """How many documents this process has counted so far (`tick` calls)."""
    return _local_count


class Progress:
    """One bulk run's bar. Create it before the worker pool forks (the workers inherit the counter), `start` it
    once the run knows its inputs, and `close` it at the end. ``enabled``: None = when stderr is a terminal."""

    def __init__(self, enabled: bool | None = None) -> None:
        global _COUNTER
        self.enabled = _stderr_is_terminal() if enabled is None else enabled
        self._bar: Any = None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._total: int | None = None  # the counted total, when the counting thread is done
        self._extra = 0  # documents beyond the one counted for a non-ndjson file (ItemCollections, arrays)
        if self.enabled:
            import multiprocessing as mp

            _COUNTER = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else None).Value("q", 0)
        else:
            _COUNTER = None

    def start(self, files: Callable[[], Iterable[str]]) -> None:
        """Draw the bar; ``files()`` gives the paths of the run's files (walked in a thread to count the total)."""
        if not self.enabled:
            return
        from tqdm import tqdm

        sized = _terminal_width() > 0  # a terminal with no size (some ptys) gets 80x24: tqdm draws nothing on 0x0
        self._bar = tqdm(
            total=None,
            unit=" docs",
            file=sys.stderr,
            leave=False,
            dynamic_ncols=sized,
            ncols=None if sized else 80,
            nrows=None if sized else 24,
            mininterval=POLL_SECONDS,
        )
        for target, args in ((self._count, (files,)), (self._poll, ())):
            t = threading.Thread(target=target, args=args, daemon=True)
            t.start()
            self._threads.append(t)

    def file_done(self, path: str, documents: int) -> None:
        """A file's outcome arrived in the parent: a file that held several documents (not ndjson) adds to the
        total the documents the counting thread could not see without parsing it."""
        if self.enabled and documents > 1 and not path.lower().endswith(LINE_SUFFIXES):
            self._extra += documents - 1

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Write to stderr without tearing the bar (it is cleared, then drawn again)."""
        if self._bar is None:
            yield
            return
        from tqdm import tqdm

        with tqdm.external_write_mode(file=sys.stderr):
            yield

    def close(self) -> None:
        global _COUNTER
        self._stop.set()
        for t in self._threads:
            t.join()
        if self._bar is not None:
            self._draw(final=True)  # the last frame: everything done, whatever the pollers saw
            self._bar.close()
            self._bar = None
        _COUNTER = None

    def _count(self, files: Callable[[], Iterable[str]]) -> None:
        total = 0
        try:
            for path in files():
                if self._stop.is_set():
                    return
                total += _documents_in(path)
        except Exception:  # noqa: BLE001 - the run itself reports what cannot be read; the bar just has no total
            return
        self._total = total

    def _poll(self) -> None:
        while not self._stop.wait(POLL_SECONDS):
            self._draw()

    def _draw(self, final: bool = False) -> None:
        bar = self._bar
        done = _COUNTER.value if _COUNTER is not None else 0
        if self._total is not None or final:
            total = max((self._total or 0) + self._extra, done)
            if bar.total != total:
                bar.total = total
                bar.refresh()
        if done > bar.n:
            bar.update(done - bar.n)
        if final:
            bar.refresh()


def _documents_in(path: str) -> int:
    """Documents a file holds, as far as one can tell without parsing: non-blank lines of an ndjson file, else 1."""
    if not path.lower().endswith(LINE_SUFFIXES):
        return 1
    n = 0
    try:
        with open(path, "rb") as f:
            for line in f:
                n += bool(line.strip())
    except OSError:
        return 1
    return n


def _terminal_width() -> int:
    import os

    try:
        return os.get_terminal_size(sys.stderr.fileno()).columns
    except (AttributeError, ValueError, OSError):
        return 0


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):  # replaced or closed stderr
        return False


def files_of(srcs: Sequence[str], exclude: Sequence[str]) -> Callable[[], Iterator[str]]:
    """The files a bulk run over ``srcs`` reads, as paths to open (for `Progress.start`)."""

    def walk() -> Iterator[str]:
        plan = plan_for(srcs)
        for rel in iter_files(srcs, plan, exclude=exclude):
            yield plan.path(rel)

    return walk
