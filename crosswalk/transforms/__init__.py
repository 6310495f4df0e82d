"""Named Python transforms: the rules that need logic. Each declares what it reads and writes, so the README's
field tables and `crosswalk mappings` can show it next to the YAML rules."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, NamedTuple

# imported here, not in `table`: a compiled build pays a whole import call each time a function-level import runs,
# and the format registry has loaded this module before any transform runs
from crosswalk.resources import mappings_path, value_tables


class Transform(NamedTuple):
    name: str
    fn: Callable[..., None]
    reads: tuple[str, ...]
    writes: tuple[str, ...]

    @property
    def summary(self) -> str:
        return (self.fn.__doc__ or "").strip().splitlines()[0]

    @property
    def description(self) -> str:
        """The docstring's first paragraph as one line (a summary over several lines is not cut mid-sentence)."""
        text = (self.fn.__doc__ or "").strip().split("\n\n", 1)[0]
        return " ".join(text.split())


# Transform modules by name prefix: a module is imported only when one of its transforms is looked up, so a
# one-file conversion does not pay for the dlm or downgrade code it never runs.
_MODULES = {"stac": ("stac",), "mlm": ("mlm.up",), "ml_model": ("ml_model.up",), "dlm": ("dlm.up",),
            "downgrade": ("mlm.down", "dlm.down")}


class _LazyRegistry(dict):
    """A look-up imports the modules of the name's prefix, iterating imports them all (the loader's "did you mean"
    looks at every name); keys(), values(), items() and len() see the modules imported so far."""

    def __missing__(self, name: str) -> Transform:
        for module in _MODULES.get(str(name).partition(".")[0], ()):
            importlib.import_module(f"{__name__}.{module}")
        if not dict.__contains__(self, name):
            raise KeyError(name)
        return dict.__getitem__(self, name)

    def __contains__(self, name: object) -> bool:
        return self.get(name) is not None

    def get(self, name, default=None):
        try:
            return self[name]
        except KeyError:
            return default

    def __iter__(self):
        for prefix in _MODULES:
            self.get(prefix + ".")  # looking up a name of the prefix imports its modules
        return dict.__iter__(self)


REGISTRY: dict[str, Transform] = _LazyRegistry()


def transform(name: str, *, reads: tuple[str, ...], writes: tuple[str, ...]):
    """Register ``fn(ctx, **args)`` under ``name``; duplicate names are a programming error."""

    def register(fn: Callable[..., None]) -> Callable[..., None]:
        if dict.__contains__(REGISTRY, name):
            raise ValueError(f"duplicate transform {name}")
        REGISTRY[name] = Transform(name, fn, reads, writes)
        return fn

    return register


def table(name: str) -> dict[str, Any]:
    """A value table from mappings/tables/*.yaml."""
    return value_tables(mappings_path())[name]


def free_key(obj: dict[str, Any], key: str) -> str:
    """``key``, or ``key-2``, ``key-3``, ... if taken (a new asset beside those the document has)."""
    return next(k for k in (key, *(f"{key}-{n}" for n in range(2, len(obj) + 3))) if k not in obj)


def of_type(value: Any, kind: type) -> Any:
    """``value`` if it is of ``kind`` (dict, list), else an empty one: broken documents put anything anywhere, and
    what is malformed is left to the schema, not iterated."""
    return value if isinstance(value, kind) else kind()
