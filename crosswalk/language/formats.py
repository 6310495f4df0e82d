"""Formats (``family@version``) and the format registry read from ``mappings/formats.yaml``."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from functools import cache
from typing import Any, NamedTuple

from crosswalk.cache import cached
from crosswalk.errors import FormatError
from crosswalk.resources import mappings_path, parse_yaml, schemas_path


# NamedTuples rather than dataclasses: immutable and ordered alike, and a one-file run, which creates every class
# it imports, pays a few milliseconds less for them (a dataclass compiles its methods when it is created).
class Format(NamedTuple):
    family: str
    version: str

    def __str__(self) -> str:
        return f"{self.family}@{self.version}"

    @classmethod
    def parse(cls, text: str) -> Format:
        """``mlm@1.4.0``, or a bare family meaning its latest version (``mlm``, ``ml-model``)."""
        family, at, version = text.partition("@")
        fam = registry().families.get(family)
        if fam is None:
            raise FormatError(f"unknown format {text!r}; known families: {', '.join(registry().families)}")
        if at and not version:  # "mlm@": a version left out by mistake, not the latest
            raise FormatError(f"{text!r}: the version after '@' is empty (give {family} for the latest, or "
                              f"{family}@VERSION)")
        version = version or fam.latest
        if version not in fam.versions:
            raise FormatError(f"unknown version {text!r}; known {family} versions: {', '.join(fam.versions)}")
        return cls(family, version)


_MATCHED_MAX = 1024  # URIs a family remembers; those met after it are matched each time


class Family(NamedTuple):
    name: str
    title: str
    prefix: str
    latest: str
    versions: tuple[str, ...]
    uris: dict[str, str]
    newer: str = "refuse"  # what a version newer than ``latest`` is: "refuse", or "read-as-latest" (same major)
    newer_rules: str | None = None  # support mapping that reads a newer document as the latest known version
    invariants: tuple[tuple[str, str], ...] = ()  # (since version, id of a rule group) run at the end of every plan
    step_invariants: tuple[tuple[str, int], ...] = ()  # (since, index) of each rule ending upgrade steps in the family
    uri_templates: tuple[str, ...] = ()  # the ``uri_patterns`` as written (``{v}`` for the version)
    rejects_unknown: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (since version, prefixes of rejected unknowns)
    milestones: dict[str, str] | None = None  # name -> the version from which a fact a transform asks about holds
    # URI -> ``match``'s answer, remembered (the registry gives each family its own, holding already the answers for
    # the URIs a run mostly meets: `registry`): a bulk run asks about the same few URIs for every document, several
    # times each, and a URI of another family tries every pattern
    matched: dict[str, str | None] | None = None

    @property
    def patterns(self) -> tuple[re.Pattern[str], ...]:
        """The regexes of the ``uri_templates`` (``{v}``: the version, a group), compiled when a URI is first asked
        about whose answer the registry did not bring along."""
        return _patterns(self.uri_templates)

    def _since(self, version: str, pairs: tuple[tuple[str, Any], ...]) -> list[Any]:
        """The values of the ``(since, value)`` pairs whose ``since`` is ``version`` or older (both known)."""
        at = self.versions.index(version) if version in self.versions else -1
        return [value for since, value in pairs if since in self.versions and self.versions.index(since) <= at]

    def rejected_prefixes(self, version: str) -> tuple[str, ...]:
        """The prefixes of unknown fields the schema of ``version`` rejects (a version newer than every known one:
        those of the latest)."""
        reached = self._since(version if version in self.versions else self.versions[-1], self.rejects_unknown)
        return reached[-1] if reached else ()

    def uri_regexes(self, version: str | None = None) -> list[str]:
        """Regular expressions (for a full match) of every spelling of this family's schema URI at ``version``,
        or at any version when ``version`` is None: what a URI swap removes."""

        def escape(text: str) -> str:  # re.escape, minus the escaped "-" and "/" that make the guide unreadable
            return re.sub(r"([.^$*+?{}\[\]\\|()])", r"\\\1", text)

        version_regex = escape(version) if version else r"[^/]+"
        return [version_regex.join(escape(part) for part in t.split("{v}")) for t in self.uri_templates]

    def invariants_for(self, version: str) -> list[str]:
        """The ids of the invariant groups of ``version`` (those whose ``since`` is not newer)."""
        return self._since(version, self.invariants)

    def step_invariants_for(self, version: str) -> list[int]:
        """Which of the family's step invariants (their index) an upgrade step landing on ``version`` ends with."""
        return self._since(version, self.step_invariants)

    def lands_on(self, version: str, formats: Iterable[Any]) -> bool:
        """Whether ``formats`` (the versions a conversion lands on) include ``version`` or a later one."""
        reached = self.newest_reached(formats)
        return reached is not None and self.versions.index(reached) >= self.versions.index(version)

    def reaches(self, milestone: str, formats: Iterable[Any]) -> bool:
        """`lands_on` the version of ``milestone``: transforms ask by the fact's name, never by a version number."""
        return self.lands_on(self.milestones[milestone], formats)

    def newest_reached(self, formats: Iterable[Any]) -> str | None:
        """The newest known version of this family among ``formats`` (the versions a conversion lands on), or None."""
        known = [f.version for f in formats if f.family == self.name and f.version in self.versions]
        return max(known, key=self.versions.index) if known else None

    def uri(self, version: str) -> str:
        return self.uris.get(version, self.uris["default"]).replace("{v}", version)

    def match(self, uri: str) -> str | None:
        """The version named by ``uri`` if it is one of this family's schema URIs (known version or not)."""
        memo = self.matched if type(uri) is str else None  # anything else fails in fullmatch, as it always did
        if memo is not None and uri in memo:
            return memo[uri]
        found = None
        for pat in self.patterns:
            if m := pat.fullmatch(uri):
                found = m.groupdict().get("v") or self.latest
                break
        if memo is not None and len(memo) < _MATCHED_MAX:
            memo[uri] = found
        return found

    def accepts_newer(self, version: str) -> bool:
        """True when ``version`` is newer than every known version and the family's policy reads it as the
        latest known one plus unknown fields (only within the latest's major version: a new major may change
        anything)."""
        if self.newer != "read-as-latest" or version in self.versions:
            return False
        new, latest = (tuple(int(n) for n in v.split(".")) if re.fullmatch(r"\d+\.\d+\.\d+", v) else None
                       for v in (version, self.latest))
        return bool(new and latest) and new[0] == latest[0] and new > latest


class Registry(NamedTuple):
    families: dict[str, Family]

    def formats(self) -> list[Format]:
        return [Format(f.name, v) for f in self.families.values() for v in f.versions]


@cache
def _patterns(templates: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(re.escape(t).replace(re.escape("{v}"), r"(?P<v>[^/]+)")) for t in templates)


@cache
def registry() -> Registry:
    """The families of formats.yaml. Each family's ``matched`` starts with `Family.match`'s answers for the URIs a
    run mostly meets (`_known_answers`), worked out by its patterns when formats.yaml was read and kept on disk with
    it (`crosswalk.cache`, keyed by its bytes): a warm start compiles a family's patterns only for another URI."""
    path = os.path.join(mappings_path(), "formats.yaml")
    families, answers = cached("registry", [path], lambda: _read(path))
    return _registry(families, answers)


def _read(path: str) -> tuple[dict[str, Any], dict[str, dict[str, str | None]]]:
    # the file as it is now: stored under its bytes, never a parse remembered from before an edit (the scaffold
    # edits formats.yaml and asks for the registry again in the same process)
    families = parse_yaml(path)["families"]
    return families, _known_answers(_registry(families, {}))


def _registry(families: dict[str, Any], answers: dict[str, dict[str, str | None]]) -> Registry:
    fams = {}
    for name, spec in families.items():
        fams[name] = Family(
            name=name, title=spec["title"], prefix=spec["prefix"], latest=str(spec["latest"]),
            versions=tuple(str(v) for v in spec["versions"]), uris={str(k): v for k, v in spec["uri"].items()},
            newer=str(spec.get("newer", "refuse")), newer_rules=spec.get("newer_rules"),
            uri_templates=tuple(spec["uri_patterns"]),
            invariants=tuple((str(i["since"]), i["id"]) for i in spec.get("invariants") or ()),
            step_invariants=tuple((str(i["since"]), n) for n, i in enumerate(spec.get("step_invariants") or ())),
            rejects_unknown=tuple((str(r["since"]), tuple(r["prefixes"])) for r in spec.get("rejects_unknown") or ()),
            milestones={str(k): str(v) for k, v in (spec.get("milestones") or {}).items()},
            matched=dict(answers.get(name, {})),
        )
    return Registry(fams)


def _known_answers(reg: Registry) -> dict[str, dict[str, str | None]]:
    """Each family's `Family.match` answer (by its patterns) for every spelling of every known version of every
    family, and every schema URI vendored for validation (crosswalk/schemas/index.json: the other extensions a
    document declares). Which URIs are asked changes no answer: any other is matched when it is met."""
    uris = {t.replace("{v}", v) for fam in reg.families.values() for t in fam.uri_templates for v in fam.versions}
    try:
        with open(os.path.join(schemas_path(), "index.json"), encoding="utf-8") as f:
            import json

            uris.update(json.load(f)["schemas"])
    except (OSError, ValueError, KeyError, TypeError):  # pragma: no cover - a broken install: fewer answers ahead
        pass
    known = sorted(uris)[:_MATCHED_MAX]
    return {name: {uri: fam.match(uri) for uri in known} for name, fam in reg.families.items()}
