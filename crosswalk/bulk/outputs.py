"""A bulk run written as one file (``--output-format ndjson|geoparquet -o FILE``).

`OneFile` is the ``sink`` of `crosswalk.bulk.tree.migrate`: it receives every output document in file order and
writes them when the run ends, atomically (a temporary file in the same directory renamed over the target), so
a killed run leaves the target as it was. ``ndjson``: one document per line (``-o -`` streams to stdout as the
documents come). ``geoparquet``: the Items as rows, the Collections in the file's metadata
(crosswalk.bulk.geoparquet); a Catalog has no place there and is named on stderr by the caller.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import tempfile
from typing import Any, TextIO

from crosswalk.io.documents import replacement_mode

FORMATS = ("json", "ndjson", "geoparquet")


class OneFile:
    def __init__(self, path: str, fmt: str) -> None:
        if fmt not in ("ndjson", "geoparquet"):
            raise ValueError(f"one-file output is ndjson or geoparquet, not {fmt!r}")
        self.path = path
        self.fmt = fmt
        self.count = 0
        self.left_out: list[str] = []
        self.lost = 0  # Items and Collections among them: documents converted and not written
        self._docs: list[dict[str, Any]] = []
        self._stream: TextIO | None = None
        self._tmp: str | None = None
        self._real = os.path.realpath(path)  # a symlink stays a symlink: its target is replaced
        if fmt == "ndjson":
            try:
                existing = os.stat(self._real) if path != "-" else None
            except OSError:
                existing = None
            if path == "-":
                self._stream = sys.stdout
            elif existing is not None and not stat.S_ISREG(existing.st_mode) and not stat.S_ISDIR(existing.st_mode):
                self._stream = open(self._real, "w", encoding="utf-8")  # noqa: SIM115 - a device or FIFO: written to
            else:
                directory = os.path.dirname(self._real)
                os.makedirs(directory, exist_ok=True)
                name = os.path.basename(self._real)
                fd, self._tmp = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".cwtmp")
                os.fchmod(fd, replacement_mode(existing))
                self._stream = os.fdopen(fd, "w", encoding="utf-8")

    def __call__(self, doc: Any) -> None:
        self.count += 1
        if self._stream is not None:
            self._stream.write(json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n")
        else:
            self._docs.append(doc)

    def finish(self) -> str:
        """Write the file; returns the line saying what was written."""
        if self.fmt == "geoparquet":
            from crosswalk.bulk.geoparquet import write

            written = write(self.path, self._docs)
            self.left_out, self.lost = written.left_out, written.lost
            self._docs = []
            extra = f" ({', '.join(written.json_fields)} as JSON text)" if written.json_fields else ""
            return f"wrote {written.items} items and {written.collections} collections to {self.path}{extra}"
        if self._tmp is not None and self._stream is not None:
            self._stream.flush()
            os.fsync(self._stream.fileno())
            self._stream.close()
            os.replace(self._tmp, self._real)
            self._tmp = None
        elif self._stream is not None and self._stream is not sys.stdout:  # a device or FIFO, written to
            self._stream.close()
        else:
            sys.stdout.flush()
        n = self.count
        return f"wrote {n} document{'' if n == 1 else 's'} to {'stdout' if self.path == '-' else self.path}"

    def discard(self) -> None:
        """Drop what was gathered (a dry run, or a run that could not finish)."""
        self._docs = []
        if self._stream is not None and self._stream is not sys.stdout:
            self._stream.close()
        if self._tmp is not None:
            try:
                os.unlink(self._tmp)
            except FileNotFoundError:
                pass
            self._tmp = None
