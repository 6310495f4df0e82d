"""The concept catalogue of the study (``mappings/study/concepts.yaml``): the requirement groups and use cases,
the fields each format family offers for them, and the companion systems the study lists beside them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crosswalk.study.paths import Pattern, pattern


@dataclass(frozen=True)
class Concept:
    id: str
    title: str
    group: str  # the kind of question: a requirement group of the review, or a use case of ml-model
    summary: str
    fields: dict[str, tuple[Pattern, ...]]  # family -> patterns


@dataclass(frozen=True)
class Catalogue:
    concepts: tuple[Concept, ...]
    groups: dict[str, dict[str, str]]  # group id -> heading (for the group) and label (for one of its concepts)
    required_fallback: dict[str, dict[str, Any]]
    adoption_pair: tuple[tuple[str, ...], tuple[str, ...]]
    companions: dict[str, dict[str, Any]]
    file: str


def _field(entry: str | dict[str, Any]) -> Pattern:
    """A catalogue field: a jsonpath, or ``{path: P, version: V}`` for a field that only exists in an older
    version V of its family (it is traced from V through the family's own upgrade edges)."""
    if isinstance(entry, dict):
        return pattern(entry["path"], str(entry["version"]) if entry.get("version") else None)
    return pattern(entry)


def study_dir(mappings: str | Path | None = None) -> Path:
    from crosswalk.resources import mappings_dir

    return Path(mappings or mappings_dir()) / "study"


def load_catalogue(mappings: str | Path | None = None) -> Catalogue:
    import yaml

    path = study_dir(mappings) / "concepts.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    concepts = tuple(
        Concept(id=cid, title=spec["title"], group=spec["group"], summary=spec.get("summary", ""),
                fields={fam: tuple(_field(t) for t in (pats or [])) for fam, pats in spec["fields"].items()})
        for cid, spec in data["concepts"].items()
    )
    unknown = {c.group for c in concepts} - set(data.get("groups") or {})
    if unknown:
        raise ValueError(f"{path}: concepts name undefined groups {sorted(unknown)}")
    pair = data.get("adoption_pair") or {"a": [], "b": []}
    return Catalogue(
        concepts=concepts,
        groups=dict(data["groups"]),
        required_fallback=data.get("required_fallback") or {},
        adoption_pair=(tuple(pair["a"]), tuple(pair["b"])),
        companions=data.get("companions") or {},
        file=str(path),
    )
