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


REGISTRY: dict[str, Transform] = {}


def transform(name: str, *, reads: tuple[str, ...], writes: tuple[str, ...]):
    """Register ``fn(ctx, **args)`` under ``name``; duplicate names are a programming error."""

    def register(fn: Callable[..., None]) -> Callable[..., None]:
        if name in REGISTRY:
            raise ValueError(f"duplicate transform {name}")
        REGISTRY[name] = Transform(name, fn, reads, writes)
        return fn

    return register


def table(name: str) -> dict[str, Any]:
    """A value table from mappings/tables/*.yaml."""
    from ..resources import mappings_dir
    from ..spec import _tables

    return _tables(str(mappings_dir()))[name]


from . import dlm, downgrade, downgrade_dlm, ml_model, mlm, stac  # noqa: E402,F401  (registers the transforms)
