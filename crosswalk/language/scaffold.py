"""`crosswalk new-version`: the files a new version of a format needs, scaffolded so that it converts at once.

A new version is three pieces of data: its entry in the format registry (``mappings/formats.yaml``), one step file
from the version it follows (``up:`` and ``down:`` rules, each a valid identity step plus the schema URI swap, to be
filled with what really changed), and its JSON Schema vendored under ``crosswalk/schemas/`` (file, ``index.json``
entry, ``NOTICE.md`` row) so that outputs are validated offline. Files are edited as text, so their comments and
layout stay as they are.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from crosswalk.errors import FormatError
from crosswalk.language.formats import Format, registry
from crosswalk.resources import mappings_dir, schemas_dir


@dataclass
class Scaffold:
    written: list[Path] = field(default_factory=list)
    todo: list[str] = field(default_factory=list)


_VERSION = re.compile(r"\d+\.\d+\.\d+(?:-[0-9A-Za-z]+(?:\.[0-9A-Za-z]+)*)?")  # a SemVer version, no build part


def _numbers(version: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", version))


def _stem(fmt: Format) -> str:
    return f"{fmt.family}_{fmt.version}"


def step_text(base: Format, new: Format) -> str:
    """A step file from ``base`` up to ``new`` and back: the URI swap both ways, nothing else."""
    up_id = f"{_stem(base)}__{_stem(new)}"
    family = registry().families[base.family].title.split(" (")[0]
    return f"""language: 1
id: {up_id}
source: {base}
target: {new}
up:
  summary: "{family} {new.version}: only the schema URI changes (scaffolded: add the rules the new version needs)."
  rules:
    - extensions:
        remove_format: {base}
        add_format: {new}
        reason: {family} schema URI updated to the next version
down:
  summary: "Back to {family} {base.version}: only the schema URI changes (scaffolded: add what the way back needs)."
  rules:
    - extensions:
        remove_format: {base.family}
        add_format: {base}
        reason: {family} schema URI rewritten to the older version (any {family} URI goes)
"""


def _register(formats_yaml: Path, new: Format, latest: bool) -> None:
    """Add ``new`` to its family's ``versions`` list (and make it ``latest``), editing the YAML as text."""
    text = formats_yaml.read_text(encoding="utf-8")
    block = re.search(rf"^  {re.escape(new.family)}:\n(?:(?:    .*|\s*)\n)*", text, re.M)
    if not block:
        raise FormatError(f"family {new.family} not found in {formats_yaml}")
    body = block.group(0)
    versions = re.search(r"^    versions: \[(.*)\]", body, re.M)
    if not versions:
        raise FormatError(f"{formats_yaml}: the {new.family} entry has no one-line `versions: [...]` to extend")
    body = body.replace(versions.group(0), f"    versions: [{versions.group(1)}, {new.version}]", 1)
    if latest:
        body = re.sub(r"^(    latest: )\S+", rf"\g<1>{new.version}", body, count=1, flags=re.M)
    formats_yaml.write_text(text.replace(block.group(0), body, 1), encoding="utf-8")


def _vendor(schema: Path, uri: str, base_uri: str, root: Path) -> list[Path]:
    """Copy ``schema`` where ``uri`` says, and name it in ``index.json`` and ``NOTICE.md``."""
    relative = re.sub(r"^https?://", "", uri)
    target = root / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(schema, target)
    index = root / "index.json"
    text = index.read_text(encoding="utf-8")
    entry = f"    {json.dumps(uri)}: {json.dumps(relative)},\n"
    if json.dumps(uri) not in text:
        anchor = re.search(rf"^    {re.escape(json.dumps(base_uri))}: .*\n", text, re.M)
        at = anchor.end() if anchor else text.index('"schemas": {') + len('"schemas": {\n')
        text = text[:at] + entry + text[at:]
        json.loads(text)  # still one JSON object
        index.write_text(text, encoding="utf-8")
    notice = root / "NOTICE.md"
    row = f"| `{relative}` | (fill in: upstream repository) | same | (fill in: tag and commit) | {schema.name} |"
    lines = notice.read_text(encoding="utf-8").split("\n")
    head = next((i for i, line in enumerate(lines) if line.startswith("| File here")), None)
    end = head if head is not None else len(lines)  # the last row of the provenance table, where the row goes
    while head is not None and end + 1 < len(lines) and lines[end + 1].startswith("|"):
        end += 1
    lines.insert(end + 1, row)
    notice.write_text("\n".join(lines), encoding="utf-8")
    return [target, index, notice]


def new_version(new_text: str, base_text: str, schema: Path | None = None) -> Scaffold:
    """Register ``new_text`` (``mlm@1.9.0``) as the version following ``base_text`` (``mlm@1.5.2``)."""
    family_name, _, version = new_text.partition("@")
    reg = registry()
    if family_name not in reg.families or not _VERSION.fullmatch(version):
        raise FormatError(f"new version must be <family>@<version> of a known family, the version in the form "
                          f"1.6.0 or 1.6.0-beta.1, not {new_text!r}")
    family = reg.families[family_name]
    if version in family.versions:
        raise FormatError(f"{new_text} is already known")
    base = Format.parse(base_text)
    if base.family != family_name:
        raise FormatError(f"--from must be a version of {family_name}, not {base}")
    if _numbers(version) <= _numbers(base.version):
        raise FormatError(f"{new_text} must be newer than {base} (a step file goes from the older version up)")
    new = Format(family_name, version)
    mappings = mappings_dir()
    step = mappings / f"{_stem(base)}__{_stem(new)}.yaml"
    if step.exists():
        raise FormatError(f"{step} already exists")
    if schema is not None and not schema.is_file():
        raise FormatError(f"--schema {schema}: no such file")
    out = Scaffold()
    latest = _numbers(version) > _numbers(family.latest)
    # all or nothing: a scaffold that fails half-way would leave a registry naming a version with no step file,
    # and every later command broken; what was there before is put back
    touched = [mappings / "formats.yaml", step, schemas_dir() / "index.json", schemas_dir() / "NOTICE.md"]
    before = {path: path.read_bytes() if path.exists() else None for path in touched}
    try:
        _register(mappings / "formats.yaml", new, latest)
        out.written.append(mappings / "formats.yaml")
        step.write_text(step_text(base, new), encoding="utf-8")
        out.written.append(step)
        registry.cache_clear()
        uri = registry().families[family_name].uri(version)
        if schema is not None:
            copied = schemas_dir() / re.sub(r"^https?://", "", uri)
            before.setdefault(copied, copied.read_bytes() if copied.exists() else None)
            out.written += _vendor(schema, uri, family.uri(base.version), schemas_dir())
    except BaseException:
        for path in before:
            if before.get(path) is None:
                path.unlink(missing_ok=True)
            else:
                path.write_bytes(before[path])
        registry.cache_clear()
        raise
    if schema is not None:
        out.todo.append(f"fill in the provenance row of {schemas_dir() / 'NOTICE.md'}")
    else:
        out.todo.append(
            f"vendor the {new} JSON Schema: the file under {schemas_dir()}/ (path from its URI {uri}), a line in "
            f"{schemas_dir() / 'index.json'} and a provenance row in {schemas_dir() / 'NOTICE.md'} "
            "(or run again with --schema FILE)"
        )
    out.todo.append(f"add what changed between {base} and {new} to both sides of {step.name}")
    out.todo.append(f"check the schema URI {uri} (the family's default spelling in formats.yaml)")
    return out
