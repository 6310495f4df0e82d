"""crosswalk: translate STAC machine-learning-model metadata (dlm beta, current dlm, ml-model 1.0.0, MLM 1.x)
without losing anything silently.

The library verbs work on dicts and on pystac objects and give back the kind they were given::

    >>> import crosswalk
    >>> result = crosswalk.convert(item)                 # a dict or a pystac Item/Collection/ItemCollection
    >>> result.document                                  # the upgraded document, same type as ``item``
    >>> result.report.summary["lossy"], result.valid

Verbs: `convert`, `convert_file`, `upgrade_tree`, `upgrade_pgstac`, `validate`, `detect`, `plan`; typed
results: `Result`, `Report`, `FieldEntry`, `Issue`, `Step`. A document that cannot be converted is a line of
``result.errors``; a usage error (an unknown target, an argument of the wrong type) raises (`CrosswalkError`,
TypeError). See `crosswalk.api` for each one.

Importing ``crosswalk`` loads nothing else: each name is imported from `crosswalk.api` the first time it is
used (the command line converts one file without pystac, psycopg or pyarrow).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = [
    "CrosswalkError",
    "FieldEntry",
    "Issue",
    "Report",
    "Result",
    "Step",
    "__version__",
    "convert",
    "convert_file",
    "detect",
    "plan",
    "upgrade_pgstac",
    "upgrade_tree",
    "validate",
]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs; at run time names load lazily
    from crosswalk.api import (
        CrosswalkError,
        FieldEntry,
        Issue,
        Report,
        Result,
        Step,
        convert,
        convert_file,
        detect,
        plan,
        upgrade_pgstac,
        upgrade_tree,
        validate,
    )


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("crosswalk")
        except PackageNotFoundError:  # pragma: no cover - a source tree that was never installed
            return "0+unknown"
    if name in __all__:
        from crosswalk import api

        value = getattr(api, name)
        globals()[name] = value  # later look-ups skip this function
        return value
    raise AttributeError(f"module 'crosswalk' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
