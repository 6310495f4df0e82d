"""One writer per tree: the lock a bulk run holds on the directory it writes, and the clean-up of the
temporary files a killed run left there.

The lock is the run marker ``.crosswalk-run`` at the top of the written tree, held with ``flock`` (released by the
kernel when the process dies, however it dies). A second run on the same tree stops before touching anything:
"tree is busy". A marker found on start means the last run was interrupted: its temporary files
(``.NAME.PID.cwtmp``) are removed, but only those whose process is gone, so a live run's in-flight files are
never swept away whatever happens to the lock.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

from crosswalk.errors import BusyError

MARKER = ".crosswalk-run"
TEMP = re.compile(r"^\..+\.(\d+)\.cwtmp$")

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks; the marker alone
    fcntl = None  # type: ignore[assignment]


class TreeLock:
    """``with TreeLock(top) as lock:`` holds the tree's lock; ``lock.interrupted``: a marker was already there."""

    def __init__(self, top: str) -> None:
        self.top = top
        self.path = os.path.join(top, MARKER)
        self.fd = -1
        self.interrupted = False

    def __enter__(self) -> TreeLock:
        os.makedirs(self.top, exist_ok=True)
        for _ in range(5):  # retried when the marker is replaced between open and lock (see below)
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | os.O_NOFOLLOW, 0o644)
                existed = False
            except FileExistsError:
                fd = os.open(self.path, os.O_RDWR | os.O_CLOEXEC | os.O_NOFOLLOW)
                existed = True
            if fcntl is not None:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    os.close(fd)
                    raise BusyError(
                        f"tree is busy: another crosswalk run is writing it ({self.path}); nothing was done",
                        href=self.top,
                    ) from None
            # the run before us may have removed the marker between our open and our lock: lock the live one
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path, follow_symlinks=False).st_ino
            except FileNotFoundError:
                same = False
            if same:
                self.fd = fd
                self.interrupted = existed
                os.ftruncate(fd, 0)
                os.write(fd, f"{os.getpid()}\n".encode())
                return self
            os.close(fd)
        raise BusyError("tree is busy: its lock keeps changing hands", href=self.top)  # pragma: no cover

    def __exit__(self, *exc: object) -> None:
        try:
            os.unlink(self.path)
        except OSError:
            pass
        os.close(self.fd)
        self.fd = -1


def _alive(pid: int) -> bool:
    """The process exists and is not a zombie (a killed worker not yet reaped writes nothing more)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] not in (b"Z", b"X")
    except (OSError, IndexError):  # no /proc: trust kill()
        return True


def sweep_temps(tops: Iterable[str], *, keep_pids: Iterable[int] = (), grace: float = 2.0) -> int:
    """Remove the temporary files of dead runs below ``tops``; returns how many. A file whose process is still
    alive is given ``grace`` seconds (the workers of a killed run die with it, a moment later), then kept."""
    import time

    keep = set(keep_pids)
    removed = 0
    waiting: list[tuple[str, int]] = []
    for top in tops:
        for dirpath, _, filenames in os.walk(top):
            for name in filenames:
                m = TEMP.match(name)
                if m and int(m.group(1)) not in keep:
                    waiting.append((os.path.join(dirpath, name), int(m.group(1))))
    deadline = time.monotonic() + grace
    while waiting:
        still = []
        for path, pid in waiting:
            if _alive(pid):
                still.append((path, pid))
                continue
            try:
                os.unlink(path)
                removed += 1
            except OSError:
                pass
        waiting = still
        if not waiting or time.monotonic() >= deadline:
            break
        time.sleep(0.05)
    return removed
