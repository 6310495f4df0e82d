"""Named Python transforms: the rules that need logic. Each declares what it reads and writes, so the README's
field tables and `crosswalk mappings` can show it next to the YAML rules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Transform:
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
_MODULES = {
    "stac": ("stac",),
    "mlm": ("mlm.up",),
    "ml_model": ("ml_model.up",),
    "dlm": ("dlm.up",),
    "downgrade": ("mlm.down", "dlm.down"),
}


class _LazyRegistry(dict):
    def _load(self, name: str) -> None:
        import importlib

        for module in _MODULES.get(name.partition(".")[0], ()):
            importlib.import_module(f"{__name__}.{module}")

    def load_all(self) -> None:
        for prefix in _MODULES:
            self._load(prefix + ".")

    def __contains__(self, name: object) -> bool:
        if isinstance(name, str) and not dict.__contains__(self, name):
            self._load(name)
        return dict.__contains__(self, name)

    def __missing__(self, name: str) -> Transform:
        self._load(name)
        if dict.__contains__(self, name):
            return dict.__getitem__(self, name)
        raise KeyError(name)

    def get(self, name, default=None):
        return self[name] if name in self else default

    def __iter__(self):
        self.load_all()
        return dict.__iter__(self)

    def keys(self):
        self.load_all()
        return dict.keys(self)

    def values(self):
        self.load_all()
        return dict.values(self)

    def items(self):
        self.load_all()
        return dict.items(self)

    def __len__(self) -> int:
        self.load_all()
        return dict.__len__(self)


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
    from crosswalk.resources import mappings_dir, value_tables

    return value_tables(str(mappings_dir()))[name]


