"""Transforms along the MLM version chain 1.0.0 -> 1.5.2 and MLM repairs."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from typing import Any

from crosswalk.engine.ctx import Ctx
from crosswalk.engine.ops import is_type, json_type
from crosswalk.language.formats import registry
from crosswalk.language.pointer import Path
from crosswalk.transforms import of_type, table, transform
from crosswalk.transforms.stac import add_extension
from crosswalk.validation.validator import classification_class_fields, field_type  # loaded with stac already

P = ("properties",)


# -- shared helpers -----------------------------------------------------------------------------------------
def model_assets(doc: dict[str, Any]) -> list[str]:
    return [k for k, a in of_type(doc.get("assets"), dict).items()
            if isinstance(a, dict) and isinstance(a.get("roles"), list) and "mlm:model" in a["roles"]]


def not_model_artefacts(doc: dict[str, Any]) -> list[str]:
    """The mlm:model assets whose other roles say they hold no model (code, metadata, documentation, runtime, data)
    and none names a model artefact, when another mlm:model asset remains: those mlm.non_model_roles takes the role
    from. data is weaker (the model asset may carry it): when every model asset would go, only those with another of
    these roles do."""
    assets, models = doc.get("assets"), model_assets(doc)
    roles = {k: set(assets[k]["roles"]) for k in models}
    others, model = table("not_model_roles").keys(), table("model_artefact_roles").keys()  # sets of roles
    for not_model in (others, others - {"data"}):
        wrong = [k for k in models if roles[k] & not_model and not roles[k] & model]
        if len(wrong) < len(models):
            return wrong
    return []


def band_hosts(ctx: Ctx) -> list[str]:
    """The mlm:model assets band definitions are written on. A conversion that lands on the registry's
    ``model_role_only_on_models`` version (MLM 1.3) or a later one takes the role from assets that are no model
    artefact (the 1.3 -> 1.4 step, or the 1.3 invariants), so it writes none on them (bands on a source code file,
    reported as on the model asset, would be false); one that stops before keeps them labelled models, and writes
    on every one."""
    models = model_assets(ctx.doc)
    if not registry().families["mlm"].reaches("model_role_only_on_models", ctx.options.get("visits", ())):
        return models
    gone = set(not_model_artefacts(ctx.doc))
    return [k for k in models if k not in gone]


def infer_artifact_type(asset: dict[str, Any]) -> tuple[str, str]:
    """(artifact type, why) from the href's ending or the media type; 'unknown' when nothing tells."""
    href = str(asset.get("href", "")).lower().split("?")[0]
    for ending, kind in sorted(table("artifact_types").items(), key=lambda kv: -len(kv[0])):
        if href.endswith(ending):
            return kind, f"inferred from the file ending {ending}"
    if "onnx" in str(asset.get("type", "")).lower():
        return "onnx", "inferred from the media type"
    return "unknown", "no file ending or media type tells the artefact type"


def name_key(value: Any) -> Any:
    """A value to look up in a table of names: a list or an object (unhashable) as its JSON text, which no name is."""
    return json.dumps(value) if isinstance(value, (list, dict)) else value


def sanitise_name(text: str) -> str | None:
    """Make ``text`` match MLM's mlm:name pattern; None when nothing of it fits (a title in another script)."""
    name = re.sub(r"[^a-zA-Z0-9]+$", "", re.sub(r"[^a-zA-Z0-9_.\-\s]", "-", text.strip()))
    return (name if name[0].isalpha() else "model-" + name).ljust(3, "0") if name else None


def io_lists(ctx: Ctx, key: str) -> list[tuple[Path, dict[str, Any]]]:
    return [(P + (key, str(i)), x) for i, x in enumerate(of_type(ctx.get(P + (key,)), list)) if isinstance(x, dict)]


def role_lists(ctx: Ctx) -> Iterator[tuple[Path, dict[str, Any]]]:
    """(where its roles are, the asset) of every asset and item-asset definition with a list of roles."""
    for top in ("assets", "item_assets"):  # not an object (invalid): no assets to look at, left to the schema
        yield from (((top, key, "roles"), a) for key, a in of_type(ctx.get((top,)), dict).items()
                    if isinstance(a, dict) and isinstance(a.get("roles"), list))


def rewrite_values(ctx: Ctx, path: Path, fates: list[tuple[list[Any], str, str | None]]) -> None:
    """Rewrite the list at ``path`` when it changes, element i becoming the values of ``fates[i]`` = (values,
    status, reason): a value is written once, where it first occurs, and an element kept as it is but shifted (by a
    merge) is moved."""
    new: list[Any] = []
    for values, _, _ in fates:
        new += [v for v in values if v not in new]
    if new != ctx.get(path):
        fate = [([new.index(v) for v in values], status, why) for values, status, why in fates]
        ctx.rewrite_list(path, new, [(where, "moved" if status == "kept" and where != [i] else status, why)
                                     for i, (where, status, why) in enumerate(fate)])


def band_names(item: dict[str, Any]) -> Iterator[str]:
    """The names of an MLM input's named bands, one by one (``input_bands`` without their places)."""
    return (name for _, name, _ in input_bands(item))


def input_bands(item: dict[str, Any], src: Path = ()) -> list[tuple[int, str, Path]]:
    """(index, name, where the name is) of an MLM input's named bands: a bare name or a band object's."""
    out = []
    for i, b in enumerate(of_type(item.get("bands"), list)):  # not a list (invalid): no names, left to the schema
        name, at = (b.get("name"), ("bands", str(i), "name")) if isinstance(b, dict) else (b, ("bands", str(i)))
        if isinstance(name, str):
            out.append((i, name, src + at))
    return out


# -- repairs (any version) -----------------------------------------------------------------------------------
def _hex_color(value: Any) -> str | None:
    if isinstance(value, list) and len(value) >= 3 and all(isinstance(c, int) for c in value[:3]):
        return "".join(f"{max(0, min(255, c)):02X}" for c in value[:3])
    if isinstance(value, str) and re.fullmatch(r"[0-9A-Fa-f]{6}", value.lstrip("#")):
        return value.lstrip("#").upper()
    return None


@transform("mlm.repair_classes", reads=("properties.mlm:output[].classification:classes",),
           writes=("properties.mlm:output[].classification:classes",))
def repair_classes(ctx: Ctx) -> None:
    """Make each class valid for classification v1.1.0 (bare labels, descriptions, colour hints, fields the class
    schema does not define)."""
    defined = classification_class_fields()
    for path, out in io_lists(ctx, "mlm:output"):
        classes = of_type(out.get("classification:classes"), list)
        for i, cls in enumerate(classes):
            here = path + ("classification:classes", str(i))
            if isinstance(cls, str):  # an early draft wrote plain labels: the class written in full needs no more
                classes[i] = {"value": i, "name": cls, "description": cls}
                ctx.repaired([here], [here], "class given as a bare label; value is its position")
            if not isinstance(cls, dict):
                continue
            if not isinstance(cls.get("description"), str):
                dst, label = here + ("description",), next((k for k in ("title", "name") if cls.get(k)), None)
                replaced = "description" in cls
                cls["description"] = str(cls[label] if label else f"class {cls.get('value', i)}")
                if replaced:
                    ctx.repaired([dst], [dst], "classification v1.1.0 requires a description string; " + (
                        "taken from the label" if label else f"no label: {cls['description']!r} written"))
                elif label:
                    ctx.copied(here + (label,), dst, "description taken from the label")
                else:
                    ctx.created(dst, "invented", "classification v1.1.0 requires a description")
            # A class keeps only the fields the classification schema MLM references defines (v1.1.0: value,
            # description, name, color_hint); stac-model's MLMClassification refuses any other (title, nodata).
            # One saying nothing (null, nodata: false, a title equal to the name or description) is repaired away;
            # one that says more is dropped, reported.
            for key in [k for k in cls if defined and k not in defined]:
                value = cls[key]
                same = key == "title" and value in (cls.get("name"), cls.get("description"))
                if value is None or (key == "nodata" and value is False) or same:
                    ctx.remove(here + (key,), f"the classification class schema defines no {key}", status="repaired")
                else:
                    ctx.remove(here + (key,), f"the classification class schema (v1.1.0) defines no {key}")
            hint, hexed = here + ("color_hint",), _hex_color(cls.get("color_hint"))
            if "color_hint" in cls and hexed is None:
                ctx.remove(hint, "color_hint is not a colour (classification wants 6 hex digits)")
            elif "color_hint" in cls and hexed != cls["color_hint"]:
                cls["color_hint"] = hexed  # an [r, g, b] list becomes one string: the ledger takes it whole
                ctx.repaired([hint], [hint], "color_hint written as 6 hex digits")


@transform("mlm.lift_model_fields", reads=("assets.<mlm:model>.mlm:*",), writes=("properties.mlm:*",))
def lift_model_fields(ctx: Ctx) -> None:
    """Model fields on the model asset (pystac's AssetDetailedMLMExtension puts them there) move to the Item
    when there is exactly one model asset and the Item lacks them; with several model assets the choice is
    ambiguous and they stay, reported."""
    props, models, fields = ctx.get(P), model_assets(ctx.doc), table("model_fields_on_item")  # no assets: no models
    if ctx.get(("type",)) != "Feature" or not isinstance(props, dict):
        return
    for key, f in [(k, f) for k in models for f in fields if f in ctx.doc["assets"][k] and f not in props]:
        if len(models) > 1:
            ambiguous = f"{len(models)} model assets, so which model it describes is ambiguous"
            ctx.changed(("assets", key, f), "kept", f"not lifted to the Item: {ambiguous}")
        else:
            lifted = "a model field on the only model asset; MLM wants it on the Item"
            ctx.move(("assets", key, f), P + (f,), lifted, status="repaired")


# -- 1.0.0 -> 1.1.0 -------------------------------------------------------------------------------------------
@transform("mlm.band_definitions", reads=("properties.mlm:input[].bands",),
           writes=("assets.<model>.eo:bands", "stac_extensions"))
def band_definitions(ctx: Ctx) -> None:
    """MLM 1.1+ checks that band names have definitions; name-only eo:bands are invented on the model asset
    when the document has none at all (bands without names there, one per input band, are given the names)."""
    assets = ctx.doc.get("assets")  # a list of assets (invalid) holds no model asset: left to the schema
    hosts = [ctx.doc.get("properties") or {}, *(assets.values() if isinstance(assets, dict) else ())]
    # any named band definition leaves the document as it is: tested first, as it is the common case (the document
    # had them, or an earlier step wrote them), before the input's band names are gathered
    if any(isinstance(band, dict) and isinstance(band.get("name"), str)
           for host in hosts if isinstance(host, dict) for key in ("eo:bands", "raster:bands", "bands")
           if isinstance(host.get(key), list) for band in host[key]):
        return
    wanted = list(dict.fromkeys(name for _, item in io_lists(ctx, "mlm:input") for name in band_names(item)))
    if not wanted or not (models := band_hosts(ctx)):
        return
    for key in models:
        here = ("assets", key, "eo:bands")
        bands = ctx.get(here)
        if bands is None:  # absent, or null (a value that says nothing: replaced, reported repaired)
            ctx.set(here, [{"name": n} for n in wanted], "mlm:input bands have no band definitions; name-only "
                    "eo:bands" + ("" if not ctx.has(here) else " instead of null"), status="repaired")
        elif isinstance(bands, list) and len(bands) == len(wanted) and all(isinstance(b, dict) for b in bands):
            for i, name in enumerate(wanted):  # unnamed definitions, in the order of the input's bands
                ctx.invent(here + (str(i), "name"), name,
                           "eo:bands without names; the mlm:input band at the same place")
        # anything else already there is left to the schema: never replaced
    add_extension(ctx, "https://stac-extensions.github.io/eo/v1.1.0/schema.json")


# -- 1.2.0 -> 1.3.0 -------------------------------------------------------------------------------------------
@transform("mlm.raster_bands_to_model_asset", reads=("properties.raster:bands",),
           writes=("assets.<model>.raster:bands",))
def raster_bands_to_model_asset(ctx: Ctx) -> None:
    """MLM 1.3 checks raster:bands on the mlm:model asset, each with a name (from eo:bands or the input bands)."""
    src, models = P + ("raster:bands",), band_hosts(ctx)
    bands = ctx.get(src)
    if not isinstance(bands, list) or not models:
        return
    # names: eo:bands in the same order, else the first input's bands
    eo, inputs = (of_type(ctx.get(P + (key,)), list) for key in ("eo:bands", "mlm:input"))
    fallback = list(band_names(inputs[0])) if inputs and isinstance(inputs[0], dict) else []
    for key in models:
        dst = ("assets", key, "raster:bands")
        if not ctx.has(dst):
            ctx.put(dst, [dict(b) if isinstance(b, dict) else b for b in bands])
            ctx.copied(src, dst, "MLM 1.3 reads raster:bands on the mlm:model asset")
        for i, band in enumerate(ctx.get(dst) or []):
            if not isinstance(band, dict) or "name" in band:
                continue
            if i < len(eo) and isinstance(eo[i], dict) and isinstance(eo[i].get("name"), str):
                name, why = eo[i]["name"], "from eo:bands in the same position"
            else:
                name, why = fallback[i] if i < len(fallback) else None, "from mlm:input bands in the same position"
            if name:
                ctx.invent(dst + (str(i), "name"), name, f"MLM 1.3 needs raster band names; {why}")


# -- 1.3.0 -> 1.4.0 -------------------------------------------------------------------------------------------
LEGACY_NORM = ("norm_type", "norm_by_channel", "norm_clip", "statistics")
STAT_KEYS = {"z-score": ("mean", "stddev"), "min-max": ("minimum", "maximum")}  # the statistics each type uses
# The value_scaling entries that are exactly a z-score, (x - mean) / stddev: type -> ({member: the statistics it
# makes}, the statistics the type alone sets, (mean, stddev)). min-max [a, b] is (a, b - a); offset v is (v, 1);
# scale v, which divides, is (0, v).
AS_Z_SCORE = {
    "z-score": ({"mean": ("mean",), "stddev": ("stddev",)}, (), lambda s: (s["mean"], s["stddev"])),
    "min-max": ({"minimum": ("mean", "stddev"), "maximum": ("stddev",)}, (),
                lambda s: (s["minimum"], s["maximum"] - s["minimum"])),
    "offset": ({"value": ("mean",)}, ("stddev",), lambda s: (s["value"], 1.0)),
    "scale": ({"value": ("stddev",)}, ("mean",), lambda s: (0.0, s["value"])),
}
AS_Z_SCORE_WHY = ("min-max [a, b] is a z-score with mean a and stddev b - a, offset v one with mean v and stddev 1, "
                  "scale v (which divides) one with mean 0 and stddev v")


def as_z_scores(scaling: Any) -> list[tuple[float, float]] | None:
    """Each entry of ``value_scaling`` as the (mean, stddev) of the z-score it exactly is; None when one is not
    one (another type, a member missing or not a number, a stddev that is not positive)."""
    if not isinstance(scaling, list) or not scaling:
        return None
    out = []
    for s in scaling:
        kind = AS_Z_SCORE.get(name_key(s.get("type"))) if isinstance(s, dict) else None
        if kind is None or not all(is_type(s.get(m), "number") for m in kind[0]):
            return None
        mean, stddev = kind[2](s)
        if not stddev > 0:
            return None
        out.append((mean, stddev))
    return out


def _scaling_from_norm(item: dict[str, Any]) -> tuple[list[dict[str, Any]] | None, str | None]:
    """value_scaling for a 1.0-1.3 input; (None, reason) when there is no exact equivalent."""
    norm = item.get("norm_type")
    stats = of_type(item.get("statistics"), list)
    if norm is None:
        return None, None
    if norm in ("z-score", "min-max"):  # not `in STAT_KEYS`: a norm_type may be a list, which cannot be hashed
        keys = STAT_KEYS[norm]
        usable = [s for s in stats if isinstance(s, dict) and all(k in s for k in keys)]
        out = [{"type": norm, **{k: s[k] for k in keys}} for s in usable]
        return (out, None) if out and len(out) == len(stats) else (None, f"{norm} without {'/'.join(keys)} statistics")
    if norm == "clip":
        clips = of_type(item.get("norm_clip"), list)
        out = [{"type": "processing", "format": "gdal-calc", "expression": f"clip(A / {c}, 0, 1)"} for c in clips]
        return (out, "clip became a gdal-calc processing expression") if out else (None, "clip without norm_clip")
    return None, f"norm_type {norm!r} has no value_scaling equivalent (removed in MLM 1.4)"


@transform("mlm.value_scaling", reads=tuple(f"properties.mlm:input[].{k}" for k in LEGACY_NORM),
           writes=("properties.mlm:input[].value_scaling",))
def value_scaling(ctx: Ctx) -> None:
    """norm_type/statistics/norm_by_channel/norm_clip (MLM <= 1.3) become value_scaling (MLM 1.4)."""
    for path, item in io_lists(ctx, "mlm:input"):
        had = [k for k in LEGACY_NORM if k in item]
        if not had:
            continue
        superseded = "value_scaling" in item  # already migrated (official 1.4+ examples keep norm_by_channel beside it)
        scaling, problem = (None, None) if superseded else _scaling_from_norm(item)
        old = {k: item.pop(k) for k in had}
        if superseded or scaling is None and (problem or "norm_type" not in had):
            why = ("legacy MLM < 1.4 key superseded by value_scaling" if superseded else
                   problem or "legacy MLM < 1.4 key without a norm_type: no normalisation to carry over")
            for k in had:
                ctx.dropped(path + (k,), why)
            continue
        dst = path + ("value_scaling",)
        item["value_scaling"] = scaling
        if problem:  # clip: no exact equivalent
            ctx.lossy([path + (k,) for k in had], [dst], problem)
        elif scaling is None:
            ctx.transformed([path + ("norm_type",)], [dst], "norm_type null: no scaling")
            for k in had[1:]:
                ctx.dropped(path + (k,), "no normalisation applies (norm_type null)")
        else:
            for k in [k for k in had if k not in ("norm_clip", "statistics")]:  # an object (invalid) as a whole
                ctx.account(path + (k,), [dst], "transformed", "norm_* fields became value_scaling",
                            whole=isinstance(old[k], (dict, list)) and bool(old[k]))
            # a statistics entry's fields that the value_scaling entry at its position carries (mean and stddev for
            # z-score, minimum and maximum for min-max) are moved there; any other statistics field is dropped
            stats = path + ("statistics",)
            # each such field as (index, field): the places of the list written at dst (a source path's index is str(i))
            carried = {(str(i), k) for i, entry in enumerate(scaling) for k in entry if k != "type"}
            for o in ctx.origins(stats):
                for loc in [loc for loc in o.locs if loc[: len(stats)] == stats]:
                    rel = loc[len(stats) : len(stats) + 2]
                    if rel in carried:
                        ctx.account(loc, [dst + rel], "moved", "statistics became value_scaling")
                    else:
                        ctx.account(loc, [], "dropped", "statistics field not used by value_scaling")
            ctx.account(stats, [], "dropped", "statistics became value_scaling")
            if "norm_clip" in had:
                ctx.dropped(path + ("norm_clip",), "norm_clip is not used by this norm_type")


@transform("mlm.artifact_type", reads=("assets.*.roles", "properties.mlm:artifact_type"),
           writes=("assets.<mlm:model>.mlm:artifact_type",))
def artifact_type(ctx: Ctx) -> None:
    """MLM 1.4 requires mlm:artifact_type on every mlm:model asset and forbids it elsewhere."""
    assets, models, prop = ctx.get(("assets",)), model_assets(ctx.doc), P + ("mlm:artifact_type",)
    if not isinstance(assets, dict):
        return
    if ctx.has(prop):
        lacking = [k for k in models if "mlm:artifact_type" not in assets[k]]
        for key in lacking:
            ctx.copy(prop, ("assets", key, "mlm:artifact_type"))
        ctx.get(P).pop("mlm:artifact_type")
        if lacking:
            ctx.account(prop, [], "kept")  # it lives on in the copies
        else:
            ctx.dropped(prop, "MLM 1.4 forbids mlm:artifact_type outside mlm:model assets" +
                        (", which all have their own" if models else ""))
    for key, asset in assets.items():
        if key in models and not asset.get("mlm:artifact_type"):
            kind, why = infer_artifact_type(asset)
            # an empty or null value names no artifact type: replaced, and reported (it was counted kept)
            ctx.set(("assets", key, "mlm:artifact_type"), kind, f"MLM 1.4 requires it; {why}" +
                    ("" if "mlm:artifact_type" not in asset else
                     f" (instead of {json.dumps(asset['mlm:artifact_type'])}, which names none)"), status="repaired")
        elif key not in models and isinstance(asset, dict) and "mlm:artifact_type" in asset:
            ctx.remove(("assets", key, "mlm:artifact_type"), "MLM 1.4 forbids mlm:artifact_type on non-model assets")


@transform("mlm.non_model_roles", reads=("assets.*.roles",), writes=("assets.*.roles",))
def non_model_roles(ctx: Ctx) -> None:
    """MLM 1.0/1.1 forced mlm:model onto every asset; from 1.4 that role demands a model artefact, so it is
    removed from assets whose other roles say they are code, metadata, documentation, runtime or data and none
    says weights, checkpoint or model, while another model asset remains (if none would, data alone no longer
    counts)."""
    assets = ctx.get(("assets",))  # no assets object: no model assets
    for key in not_model_artefacts(ctx.doc):
        i = assets[key]["roles"].index("mlm:model")
        ctx.remove(("assets", key, "roles", str(i)),
                   "MLM 1.0/1.1 forced mlm:model on every asset; this one is not a model artefact")


@transform("mlm.entrypoint_to_code_asset", reads=("properties.mlm:entrypoint", "assets.*.roles"),
           writes=("assets.<code>.mlm:entrypoint",))
def entrypoint_to_code_asset(ctx: Ctx) -> None:
    """An Item's mlm:entrypoint, on a conversion that goes on to MLM 1.5 or later, moves to the source code asset
    when there is exactly one without its own (MLM 1.4 rejects it everywhere, 1.5 takes it on code assets only)."""
    src, rejected = P + ("mlm:entrypoint",), "MLM 1.4 and later reject mlm:entrypoint in the Item properties"
    if "mlm:entrypoint" not in of_type(ctx.get(P), dict):
        return
    # The MLM README: a field at the Item level holds for every asset that does not set its own, so the Item's
    # entrypoint is that of the code assets without one; with one such asset, it says the same thing there.
    roles = table("code_roles").keys()
    code = [path[:2] for path, a in role_lists(ctx) if path[0] == "assets" and roles & set(a["roles"])]
    free = [at for at in code if "mlm:entrypoint" not in ctx.get(at)]
    if len(free) == 1:
        ctx.move(src, free[0] + ("mlm:entrypoint",),
                 f"{rejected}; MLM 1.5 takes it on the source code asset, the only one without its own")
        return
    ctx.remove(src, f"{rejected}; " + ("MLM 1.5 takes it on a source code asset, which the document lacks" if not code
                                       else "every source code asset sets its own, which holds for it (MLM README)"
                                       if not free else f"{len(free)} source code assets without their own, so "
                                       "which one it is is ambiguous"))


@cache
def mlm_fields(version: str) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(Item-level, asset-level, all) MLM fields of ``version``, read from its vendored schema: every field its
    ``fields`` definition knows, minus those its Item (asset) rules forbid. Any other mlm:* key is rejected."""
    from crosswalk.validation.validator import schema_document

    defs = schema_document(registry().families["mlm"].uri(version))["$defs"]
    known = frozenset(defs["fields"]["properties"])
    item, asset = ({r for part in defs[name]["allOf"] for alt in part.get("not", {}).get("anyOf", [])
                    for r in alt.get("required", [])} for name in ("mlmItemFields", "mlmAssetFields"))
    return known - item, known - asset, known


def _mlm_keys_outside(ctx: Ctx, item_fields: frozenset[str], asset_fields: frozenset[str]) -> list[Path]:
    """The paths of the mlm:* keys of the properties not in ``item_fields``, then of the assets' and a
    Collection's item asset definitions' not in ``asset_fields`` (the schema holds both to the asset rules)."""
    hosts = [(P, ctx.get(P), item_fields)]
    for top in ("assets", "item_assets"):  # a list of them (invalid) is left to the schema
        hosts += [((top, k), a, asset_fields) for k, a in of_type(ctx.get((top,)), dict).items()]
    return [at + (k,) for at, host, fields in hosts if isinstance(host, dict)
            for k in host if k.startswith("mlm:") and k not in fields]


@transform("mlm.unknown_keys", reads=("properties.mlm:*", "assets.*.mlm:*", "item_assets.*.mlm:*"),
           writes=("properties.mlm:*",))
def unknown_keys(ctx: Ctx, version: str) -> None:
    """MLM 1.4 rejects unknown mlm:* keys and mlm:name/input/output/hyperparameters on assets and item asset
    definitions (the fields of ``version``, from its schema). A conversion that goes on to a later MLM version
    leaves a field that one accepts for the step that places it (``mlm:entrypoint`` on code assets, from 1.5.0)."""
    from crosswalk.validation.validator import schema_file

    item_fields, asset_fields, _ = mlm_fields(version)
    family = registry().families["mlm"]
    newest = family.newest_reached(ctx.options.get("visits", ()))
    # the newest version the conversion lands on whose schema says its fields (a version added without one, not
    # yet published, says nothing: the one before it does)
    later = family.versions[family.versions.index(version) + 1 : family.versions.index(newest) + 1] if newest else []
    newest = next((v for v in reversed(later) if schema_file(family.uri(v))), None)
    if newest is not None:
        later_item, later_asset, _ = mlm_fields(newest)
        item_fields, asset_fields = item_fields | later_item, asset_fields | later_asset
    props = ctx.get(P)
    for path in _mlm_keys_outside(ctx, item_fields, asset_fields):
        key = path[-1]
        if path[0] == "properties":
            ctx.remove(path, f"{key} is not an MLM field (rejected from MLM 1.4 on)")
        elif path[0] == "assets" and key in item_fields and isinstance(props, dict) and key not in props:
            ctx.move(path, P + (key,), "MLM 1.4 keeps this field in the item properties")
        else:
            ctx.remove(path, f"{key} is not allowed on an asset in MLM 1.4")


# -- 1.4.0 -> 1.5.0 -------------------------------------------------------------------------------------------
@transform("mlm.dim_order_bands",
           reads=("properties.mlm:input[].input.dim_order", "properties.mlm:output[].result.dim_order"),
           writes=("properties.mlm:input[].input.dim_order",))
def dim_order_bands(ctx: Ctx) -> None:
    """MLM 1.5: dim_order names the band dimension "bands" exactly when bands are listed."""
    props = of_type(ctx.get(P), dict)
    for key, inner in (("mlm:input", "input"), ("mlm:output", "result")):
        for i, item in enumerate(of_type(props.get(key), list)):  # places only for a rename
            tensor = item.get(inner) if isinstance(item, dict) else None
            dims = tensor.get("dim_order") if isinstance(tensor, dict) else None
            if not isinstance(dims, list):
                continue
            named = next(band_names(item), None) is not None  # the first name tells; a rename counts them
            if named and "bands" not in dims:
                shape, count = of_type(tensor.get("shape"), list), sum(1 for _ in band_names(item))
                idx, new, why = _band_axis(dims, shape, count), "bands", "bands are listed"
            elif not named and "bands" in dims:
                idx, new, why = dims.index("bands"), "channel", "no bands are listed"
            else:
                continue
            if idx is not None:
                why = f"dimension {dims[idx]!r} renamed {new!r} (MLM 1.5: {why})"
                ctx.set(P + (key, str(i), inner, "dim_order", str(idx)), new, why)


def _band_axis(dims: list[Any], shape: list[Any], count: int) -> int | None:
    for i, d in enumerate(dims):
        if isinstance(d, str) and d.lower() in table("band_axis_names"):
            return i
    sized = [i for i, n in enumerate(shape) if n == count and i < len(dims) and dims[i] not in ("batch", "time")]
    return sized[0] if len(sized) == 1 else None


@transform("mlm.repair_quoted_bands", reads=("properties.mlm:input[].bands[]",), writes=("same",))
def repair_quoted_bands(ctx: Ctx) -> None:
    """Band names wrapped in literal quotes ('"B02"', seen in mlm-form output) lose the quotes."""
    for path, item in io_lists(ctx, "mlm:input"):
        for _, name, here in input_bands(item, path):
            if len(name) >= 3 and name[0] == name[-1] == '"':
                ctx.put(here, name[1:-1])
                ctx.repaired([here], [here], "band name wrapped in literal quotes")


# -- invariants of MLM 1.5 --------------------------------------------------------------------------------------
@transform("mlm.summaries_schema_form", reads=("summaries.*",), writes=("summaries.*",))
def summaries_schema_form(ctx: Ctx) -> None:
    """The MLM schema validates every Collection summary as an object, so list summaries (``"mlm:tasks":
    ["classification"]``) fail it and every STAC validator with it; STAC also allows a summary as a JSON Schema,
    which holds the same values: ``{"type": "array", "items": {"type": "string", "enum": [...]}}``."""
    summaries = ctx.get(("summaries",))
    if ctx.get(("type",)) != "Collection" or not isinstance(summaries, dict):
        return
    for key, values in list(summaries.items()):
        if not isinstance(values, list):
            continue
        # the values as an enum, typed when they share one JSON type (a null, object or array: no type); for an
        # array field (mlm:tasks) the enum constrains its items
        types = {json_type(v) for v in values}
        shared = len(types) == 1 and types <= {"boolean", "integer", "number", "string"}
        inner = {"type": next(iter(types)), "enum": list(values)} if shared else {"enum": list(values)}
        summaries[key] = {"type": "array", "items": inner} if field_type(key) == "array" else inner
        here = ("summaries", key)
        reason = "list summary written as the JSON Schema of its values (STAC allows it)"
        # each value now lives inside the schema, whose "type" comes from the values: the whole summary is its `to`
        # (a value that is an object or array itself, as a whole: nothing of it sits at a place below the summary)
        for i, src in enumerate([here + (str(i),) for i in range(len(values))] or [here]):
            value = values[i] if values else None
            ctx.account(src, [here], "transformed", reason, whole=isinstance(value, (dict, list)) and bool(value))


@transform("mlm.read_newer", reads=("stac_extensions[]", "properties.mlm:*", "assets.*.mlm:*", "item_assets.*.mlm:*"),
           writes=("same",))
def read_newer(ctx: Ctx) -> None:
    """A document of an MLM version newer than the newest known: its schema URI becomes the newest known one, and
    each mlm:* field that version does not define is dropped, named."""
    family = registry().families["mlm"]
    newer = ctx.options.get("newer")
    for i, uri in enumerate(of_type(ctx.get(("stac_extensions",)), list)):
        if isinstance(uri, str) and family.match(uri) == newer:
            why = f"MLM {newer} is newer than the newest known version; read as MLM {family.latest}"
            ctx.set(("stac_extensions", str(i)), family.uri(family.latest), why, "lossy")
    item_fields, _, known = mlm_fields(family.latest)
    for path in _mlm_keys_outside(ctx, item_fields, known):
        ctx.remove(path, f"{path[-1]} is not defined by MLM {family.latest} (the document is {newer})")
