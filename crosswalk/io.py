"""Reading and writing documents: raw JSON (never through pystac, which migrates silently), YAML, atomic writes."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from .errors import ReadError


def parse_text(text: str, href: str, *, yaml_ok: bool = False) -> Any:
    if yaml_ok:
        import yaml

        try:
            return _yaml_to_json(yaml.safe_load(text))
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
            raise ReadError(f"invalid YAML{where}: {getattr(e, 'problem', e)}", href=href) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise ReadError(f"invalid JSON (line {e.lineno}, column {e.colno}): {e.msg}", href=href) from None


def _yaml_to_json(value: Any) -> Any:
    """YAML turns timestamps into datetimes and allows non-string keys; bring both back to JSON's model."""
    import datetime as dt

    if isinstance(value, dict):
        return {str(k): _yaml_to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_yaml_to_json(v) for v in value]
    if isinstance(value, dt.datetime):
        text = value.isoformat()
        return text.replace("+00:00", "Z") if value.tzinfo else text + "Z"
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def is_yaml(href: str) -> bool:
    return href.lower().endswith((".yaml", ".yml"))


def read_document(href: str, lenient: bool = False) -> Any:
    """Read one JSON or YAML document (``-`` is stdin); every failure is a one-line ReadError.

    ``lenient``: when strict parsing fails, fall back to `crosswalk.lenient.parse_lenient` (JSON with comments
    and trailing commas, YAML). Use `read_document_repairs` to also get the text repairs it made.
    """
    return read_document_repairs(href, lenient=lenient)[0]


def read_document_repairs(href: str, lenient: bool = True) -> tuple[Any, list[dict[str, Any]]]:
    """Like `read_document`, returning ``(document, repairs)``; repairs are report entries
    ``{"path": "", "status": "repaired", "reason": "line N: ..."}`` (empty for strict JSON and for YAML files)."""
    text = _read_text(href)
    if lenient:
        from .lenient import parse_lenient

        return parse_lenient(text, href)
    return parse_text(text, href, yaml_ok=is_yaml(href)), []


def _read_text(href: str) -> str:
    import sys

    try:
        text = sys.stdin.read() if href == "-" else Path(href).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReadError("no such file", href=href) from None
    except IsADirectoryError:
        raise ReadError("is a directory", href=href) from None
    except PermissionError:
        raise ReadError("permission denied", href=href) from None
    except UnicodeDecodeError as e:
        raise ReadError(f"not UTF-8 text (byte {e.start})", href=href) from None
    except OSError as e:
        raise ReadError(f"cannot read: {e.strerror or e}", href=href) from None
    return text


def dumps(doc: Any) -> str:
    """The one serialisation: 2-space indent, UTF-8, key order kept, trailing newline (same input, same bytes)."""
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def write_atomic(path: str | Path, text: str) -> None:
    """Write via a temporary file in the same directory and rename it over the target."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp creates 0600; keep the replaced file's mode, else the usual umask-based mode
        try:
            mode = path.stat().st_mode & 0o7777
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
