"""Transforms for the two dlm layouts -> MLM 1.5.2 and the structural repairs of dlm files.

* dlm beta (crim-ca/dlm-extension v1.0.0-beta2 / beta.3): ``dlm:data``, ``dlm:inputs``, ``dlm:outputs``,
  ``dlm:architecture``, ``dlm:runtime``, ``dlm:archive``; bands as item-level ``eo:bands`` (STAC 1.0).
* current dlm (crim-ca/dlm-extension README at 0aa94fc): ``bands`` (STAC 1.1), ``dlm:input``, ``dlm:output``,
  ``dlm:architecture`` (``total_parameters``, ``ram_size_mb``, ``on_disk_size_mb``), ``dlm:runtime``
  (``model_artifact``, ``batch_size_suggestion``, ``instance_suggestion``, ``docker.accelerator``).

Every transform reads both layouts. Each source leaf it consumes is reported to the ledger; whatever is left of
the ``dlm:*`` objects at the end is dropped by ``dlm.leftovers`` with a reason.
"""

from __future__ import annotations

import copy
import json
import re
from decimal import Decimal
from itertools import count
from typing import Any

from crosswalk.engine.ctx import Ctx
from crosswalk.engine.ops import is_type, same
from crosswalk.language.pointer import Path, leaves
from crosswalk.transforms import free_key, of_type, table, transform
from crosswalk.transforms.ml_model.up import table_entry, task_for
from crosswalk.transforms.mlm.up import infer_artifact_type, model_assets, rewrite_values
from crosswalk.transforms.stac import add_extension

P = ("properties",)
EO = "https://stac-extensions.github.io/eo/v1.1.0/schema.json"
SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)"
    r"(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$")


# -- helpers ------------------------------------------------------------------------------------------------
def _first_key(obj: dict[str, Any], *keys: str) -> str | None:
    return next((k for k in keys if k in obj), None)


def _elements(value: Any) -> list[tuple[str, dict[str, Any]]]:
    """The elements of a list that are objects, with their indices as path keys (none if it is no list)."""
    return [(str(i), v) for i, v in enumerate(of_type(value, list)) if isinstance(v, dict)]


def _new_asset(ctx: Ctx, assets: dict[str, Any], name: str, asset: dict[str, Any], **invented: str) -> Path:
    """Add ``asset`` under ``name`` (or a free variant); ``invented``: why each of these fields has no source."""
    key = free_key(assets, name)
    assets[key] = asset
    for field, why in invented.items():
        ctx.created(("assets", key, field), "invented", why)
    return ("assets", key)


def _runtime_asset(ctx: Ctx, assets: dict[str, Any], name: str, **fields: str) -> Path:
    """A new asset of a kind of the ``dlm_assets`` table: ``fields``, then the table's fields (reported invented)."""
    kind = table("dlm_assets")[name]
    return _new_asset(ctx, assets, name, {**fields, **copy.deepcopy(kind["fields"])}, **kind["invented"])


def _assets(ctx: Ctx) -> dict[str, Any] | None:
    assets = ctx.get(("assets",))
    if not isinstance(assets, dict) and ctx.get(("type",)) == "Feature":
        if ctx.has(("assets",)):
            ctx.remove(("assets",), "assets is not an object of assets")
        return ctx.invent(("assets",), {}, "an Item needs assets")
    return assets if isinstance(assets, dict) else None


def _objects(obj: dict[str, Any], base: Path, *keys: str) -> list[tuple[Path, dict[str, Any]]]:
    """The object, or the objects of the list, at the first of ``keys`` in ``obj`` (at ``base``), with their paths:
    the dlm fields that take one or several."""
    key = _first_key(obj, *keys)
    value, path = obj.get(key), base + (key,)  # obj.get(None) is None
    return [(path, value)] if isinstance(value, dict) else [(path + (i,), v) for i, v in _elements(value)]


def _replace_unless(ctx: Ctx, path: Path, kind: type, why: str) -> Any:
    """The value at ``path`` if it is a ``kind``, else a new empty one there (an old value is removed)."""
    value = ctx.get(path)
    if not isinstance(value, kind):
        if ctx.has(path):
            ctx.remove(path, why)
        value = kind()
        ctx.put(path, value)
    return value


def resolve_band(name: str, defs: list[dict[str, Any]]) -> tuple[str, str | None]:
    """The band ``name`` MLM should reference: an existing band name, else the band whose common name it is."""
    if any(b.get("name") == name for b in defs):
        return name, None
    for b in defs:
        common = b.get("common_name") or b.get("eo:common_name")
        if isinstance(common, str) and common.lower() == name.lower() and isinstance(b.get("name"), str):
            return b["name"], f"common name {name!r} resolved to the band named {b['name']!r}"
    return name, None


def semver(value: Any) -> str | None:
    """A framework version as strict SemVer (``1.5`` -> ``1.5.0``, ``v2.1`` -> ``2.1.0``); None if impossible."""
    m = None if value is None or isinstance(value, bool) else re.fullmatch(
        r"[vV]?(\d+)(?:\.(\d+))?(?:\.(\d+))?([-+].*)?", str(value).strip())
    out = m and ".".join(str(int(p or 0)) for p in m.groups()[:3]) + (m[4] or "")
    return out if out and SEMVER.match(out) else None


def expression(value: Any) -> dict[str, Any] | None:
    """A dlm pre/post-processing function string as an MLM processing expression (signature to description)."""
    if not isinstance(value, str) or not value.strip():
        return None
    m = re.match(r"^\s*([A-Za-z_][\w.]*(?::[A-Za-z_][\w.]*)?)\s*(\(.*)$", value, re.S)
    return ({"format": "python", "expression": m[1], "description": f"signature: {m[2].strip()}"} if m else
            {"format": "python", "expression": value.strip()})


def _processing(ctx: Ctx, obj: dict[str, Any], base: Path, key: str, entries: list[Path]) -> Any:
    """The dlm function (or list of them) at ``obj[key]`` as MLM processing expressions for ``entries``."""
    if key not in obj:
        return None
    value = obj.pop(key)
    out = ([expression(p) for p in value] if isinstance(value, list) and value and all(map(expression, value)) else
           expression(value))
    if out is None:
        ctx.dropped(base + (key,), "not a function name")
    else:
        ctx.account(base + (key,), [e + (key,) for e in entries], "transformed",
                    "became a python processing expression (signature kept as description)")
    return out


def class_name(label: str, value: int) -> str:
    """A classification ``name`` (``^[0-9A-Za-z-_]+$``) from a free label."""
    return re.sub(r"[^0-9A-Za-z_-]+", "_", label.strip()).strip("_") or f"class_{value}"


def _class_value(key: Any) -> int | None:
    """A class key as its integer value (``3``, ``"3"``, ``"I_3"``); None if it is none."""
    found = re.fullmatch(r"(?:[iI]_)?(-?\d+)", key.strip()) if isinstance(key, str) else None
    return key if is_type(key, "integer") else int(found[1]) if found else None


# -- repairs (listed at the top of the dlm edges) ----------------------------------------------------------------
@transform("dlm.repair_assets_list", reads=("assets[]",), writes=("assets",))
def repair_assets_list(ctx: Ctx) -> None:
    """`assets` written as a list of single-key objects becomes the STAC asset object (suffix -2 on key clashes)."""
    assets = ctx.get(("assets",))
    if not isinstance(assets, list):
        return
    new: dict[str, Any] = {}
    ctx.put(("assets",), new)  # the ledger follows each element below, in order
    why = "assets must be an object keyed by asset name, not a list"
    for i, element in enumerate(assets):
        here = ("assets", str(i))
        if isinstance(element, dict) and "href" in element:
            named = next((f for f in ("name", "title") if element.get(f)), None)
            key = free_key(new, str(element[named]) if named else f"asset-{i + 1}")
            new[key] = element
            how = f"keyed {key!r} after its {named}" if named else f"an asset without name or title was keyed {key!r}"
            ctx.repaired([here], [("assets", key)], f"{why}; {how}")
        elif isinstance(element, dict) and element and all(isinstance(v, dict) for v in element.values()):
            for k, asset in element.items():
                key = free_key(new, k)
                new[key] = asset
                ctx.repaired([here + (k,)], [("assets", key)],
                             why if key == k else f"{why}; key {k!r} was taken, renamed {key!r}")
        else:
            ctx.dropped(here, "element of the assets list is not an asset")
    if not assets:
        ctx.repaired([("assets",)], [("assets",)], "empty assets list became an empty object")
    elif not new:  # every element dropped: the empty object written in place of the list comes from none of them
        ctx.created(("assets",), "invented", "no element of the assets list is an asset; an empty asset object")


@transform("dlm.repair_asset_roles", reads=("assets.*.role",), writes=("assets.*.roles",))
def repair_asset_roles(ctx: Ctx) -> None:
    """An asset `role` (singular, string or list) joins the STAC `roles` list (the rules after it rename a `role`
    with no `roles` to join; the rule before wraps a `roles` string in a list)."""
    assets = ctx.get(("assets",))
    for key, asset in [(k, a) for k, a in (assets.items() if isinstance(assets, dict) else ()) if isinstance(a, dict)]:
        here, roles = ("assets", key), asset.get("roles")
        if "roles" in asset and not isinstance(roles, list):
            ctx.remove(here + ("roles",), f"roles {roles!r} is not a list of strings")
        if "role" not in asset or "roles" not in asset:
            continue
        role = asset.pop("role")
        for src, r in ([(here + ("role", str(j)), r) for j, r in enumerate(role)] if isinstance(role, list) else
                       [(here + ("role",), role)]):
            if r in roles:
                ctx.dropped(src, "role repeated in roles")
            else:
                roles.append(r)
                ctx.repaired([src], [here + ("roles", str(len(roles) - 1))],
                             "STAC asset roles are a list named roles, not role")
        if role == []:
            ctx.dropped(here + ("role",), "empty role list")


@transform("dlm.repair_polygon_rings", reads=("geometry.coordinates",), writes=("geometry.coordinates",))
def repair_polygon_rings(ctx: Ctx) -> None:
    """An unclosed polygon ring is closed by repeating its first position at the end."""
    geometry = ctx.get(("geometry",))
    kind, coords = (geometry.get("type"), geometry.get("coordinates")) if isinstance(geometry, dict) else (None, None)
    members = enumerate(of_type(coords, list))
    polygons = ([((), coords)] if kind == "Polygon" else  # the polygons of a Polygon or MultiPolygon, with their paths
                [((str(i),), polygon) for i, polygon in members] if kind == "MultiPolygon" else [])
    for path, ring in [(("geometry", "coordinates") + at + (str(j),), ring) for at, polygon in polygons
                       for j, ring in enumerate(of_type(polygon, list)) if isinstance(ring, list)]:
        if len(ring) >= 3 and ring[0] != ring[-1]:
            ring.append(copy.deepcopy(ring[0]))
            ctx.repaired([path + ("0",)], [path + ("0",), path + (str(len(ring) - 1),)],
                         "polygon ring not closed; its first position repeated at the end (check that the "
                         "polygon does not cross itself)")


@transform("dlm.repair_provider_roles", reads=("properties.providers[].roles",),
           writes=("properties.providers[].roles",))
def repair_provider_roles(ctx: Ctx) -> None:
    """Free-text provider roles ("image licensor") become the STAC role enum; the wording is lost."""
    words = table("provider_role_words")
    enum = words.values()  # the STAC provider roles (producer, licensor, processor, host)
    for i, provider in _elements(ctx.get(P + ("providers",))):
        roles = provider.get("roles")
        if not isinstance(roles, list) or all(r in enum for r in roles):
            continue
        fates = []  # never all kept: a role here is no STAC role, so the list changes
        for role in roles:
            lower = role.lower() if isinstance(role, str) else ""
            found = sorted((lower.find(w), w) for w in words if w in lower)
            target = role if role in enum else words[found[0][1]] if found else None
            fates.append(([], "dropped", f"provider role {role!r} is not a STAC role") if target is None else
                         ([target], "kept", None) if target == role else
                         ([target], "lossy", f"provider role {role!r} is not a STAC role; repaired to {target!r}"))
        rewrite_values(ctx, P + ("providers", i, "roles"), fates)


@transform("dlm.repair_eo_bands",
           reads=("{properties,assets.*}.eo:bands[].{common_name,center_wavelength,full_width_half_max}",
                  "{properties,assets.*}.bands[].eo:{common_name,center_wavelength,full_width_half_max}"),
           writes=("same",))
def repair_eo_bands(ctx: Ctx) -> None:
    """eo common names outside the eo v1.1.0 enum ("pancro" -> "pan"); wavelengths above 100 read as nm -> µm."""
    names = table("eo_common_names")  # the enum's names map to themselves
    assets = ctx.get(("assets",))
    assets = assets if isinstance(assets, dict) else {}
    for host in [P] + [("assets", k) for k, a in assets.items() if isinstance(a, dict)]:
        for key, prefix in (("eo:bands", ""), ("bands", "eo:")):  # STAC 1.0 eo:bands, STAC 1.1 bands
            cn, cw, fw = prefix + "common_name", prefix + "center_wavelength", prefix + "full_width_half_max"
            for i, band in _elements(ctx.get(host + (key,))):
                here = host + (key, i)
                common = band.get(cn)
                if isinstance(common, str) and names.get(common) != common:
                    if fixed := names.get(common.strip().lower()):
                        band[cn] = fixed
                        ctx.repaired([here + (cn,)], [here + (cn,)], f"{common!r} is not an eo common name; {fixed!r}")
                    else:
                        ctx.remove(here + (cn,), f"{common!r} is not an eo v1.1.0 common name")
                wave, fwhm = band.get(cw), band.get(fw)
                if is_type(wave, "number") and wave > 100:
                    band[cw] = wave / 1000
                    ctx.repaired([here + (cw,)], [here + (cw,)],
                                 f"{wave} read as nanometres (eo wants micrometres; values above 100 taken as nm)")
                    if is_type(fwhm, "number") and fwhm > 1:
                        band[fw] = fwhm / 1000
                        ctx.repaired([here + (fw,)], [here + (fw,)],
                                     f"{fwhm} read as nanometres like the centre wavelength")


# -- dlm-beta -> current-dlm conveniences ------------------------------------------------------------------------
@transform("dlm.drop_nulls", reads=("properties.dlm:*",), writes=("properties.dlm:*",))
def drop_nulls(ctx: Ctx) -> None:
    """null members of the dlm objects (unset fields) are dropped; `pretrained: null` is kept (dlm beta.3 requires
    a pretraining string, which no rule writes without a guess; dlm.architecture drops it on the way to MLM).

    An object or list that held nothing but nulls is dropped with them (`dont_care_index: [null]` is as unset
    as `null`): left behind empty, it would be a value no source field accounts for."""
    props = ctx.get(P)  # an object: the mapping's `when`
    why = "null in the source (field not set)"
    for key in [k for k in props if k.startswith("dlm:")]:
        top = P + (key,)
        for path in reversed([p for p, v in leaves(props[key], top) if v is None and p[-1] != "pretrained"]):
            ctx.remove(path, why)
            parent = path[:-1]
            while len(parent) > len(top) and ctx.get(parent) in ({}, []):
                ctx.remove(parent, why)
                parent = parent[:-1]


@transform("dlm.process_level", reads=("properties.dlm:data.process_level", "properties.processing:level"),
           writes=("properties.processing:level", "stac_extensions"))
def process_level(ctx: Ctx) -> None:
    """dlm:data.process_level becomes processing:level (it describes the data the model expects, so it wins)."""
    props = ctx.get(P)
    value = props["dlm:data"]["process_level"]  # there: the mapping's `when`
    src, dst = P + ("dlm:data", "process_level"), P + ("processing:level",)
    equal = same(props.get("processing:level", ...), value)  # JSON equality: 1 is not true
    if "processing:level" in props and not equal:
        ctx.remove(dst, f"replaced by dlm:data.process_level {value!r}, the level of the data the model expects")
    ctx.move(src, dst, "same value as the item's processing:level" if equal else None)
    if not equal:
        add_extension(ctx, "https://stac-extensions.github.io/processing/v1.1.0/schema.json")


@transform("dlm.item_examples", reads=("properties.dlm:data.item_examples",), writes=("links",))
def item_examples(ctx: Ctx) -> None:
    """dlm:data.item_examples become rel=related links (their "compatible example data" meaning is lost)."""
    data = ctx.get(P)["dlm:data"]
    examples, links = data["item_examples"], ctx.get(("links",))  # lists, examples non-empty: the mapping's `when`
    base = P + ("dlm:data", "item_examples")
    linked = [i for i, ex in enumerate(examples) if isinstance(ex, dict) and isinstance(ex.get("url"), str)]
    for i in linked:
        ex, here, dst = examples[i], base + (str(i),), ("links", str(len(links)))
        link = {"rel": "related", "href": ex["url"]}
        ctx.account(here + ("url",), [dst], "lossy", "example item became a rel=related link (the 'compatible "
                    "example data' meaning has no link relation)")
        if isinstance(ex.get("title"), str):
            link["title"] = ex["title"]
            ctx.account(here + ("title",), [dst + ("title",)], "moved")
        links.append(link)
        for other in [k for k in ex if k != "url" and (k != "title" or "title" not in link)]:
            ctx.dropped(here + (other,), f"item_examples field {other!r} has no link counterpart")
        if ex["url"].lower().endswith(".json"):
            link["type"] = "application/geo+json"
            ctx.created(dst + ("type",), "invented", "a .json example is assumed to be a STAC Item")
    rest = [i for i in range(len(examples)) if i not in linked]  # the others stay for leftovers, re-indexed
    if rest:
        ctx.replace_list(base, [examples[i] for i in rest], {i: k for k, i in enumerate(rest)}, "not a link")
    else:
        data.pop("item_examples")


# -- inputs ---------------------------------------------------------------------------------------------------
def _input_bands(ctx: Ctx, props: dict[str, Any], data: dict[str, Any], inp: dict[str, Any], base: Path,
                 dsts: list[Path]) -> list[str]:
    """Band names for mlm:input[].bands (``dsts``: the bands lists written, one per input entry)."""
    defs = [b for key in ("eo:bands", "bands") for _, b in _elements(props.get(key))]
    names: list[str] = []

    def add(src: Path, name: str) -> list[Path]:
        resolved, how = resolve_band(name, defs)
        names.append(resolved)
        targets = [d + (str(len(names) - 1),) for d in dsts]
        ctx.account(src, targets, "transformed" if how else "moved", how)
        return targets

    if isinstance(inp.get("band_names"), list):  # current dlm
        for j, name in enumerate(inp.pop("band_names")):
            src = base + ("band_names", str(j))
            add(src, name) if isinstance(name, str) else ctx.dropped(src, "band name is not a string")
        return names
    eo = [b for _, b in _elements(props.get("eo:bands"))]
    selected = inp.get("selected_bands")
    sel = [s for s in of_type(selected, list) if is_type(s, "integer")]
    useful = [(j, u) for j, u in _elements(data.get("useful_bands")) if isinstance(u.get("name"), str)]
    in_file: dict[int, str] = {}  # the useful bands' indices in the source file, with their names
    for j, u in useful:
        targets = add(P + ("dlm:data", "useful_bands", j, "name"), u.pop("name"))
        if "index" in u:
            index = u.pop("index")  # an index that is an object or array (invalid) goes into the band as a whole
            if is_type(index, "integer"):
                in_file.setdefault(index, names[-1])
            ctx.account(P + ("dlm:data", "useful_bands", j, "index"), targets, "lossy",
                        "the band's index in the source file has no MLM field",
                        whole=isinstance(index, (dict, list)) and bool(index))
    if useful and isinstance(selected, list):
        readings = [f"useful_bands names {names}"] + [  # the eo:bands reading only if there are eo:bands
            f"positions in {where} {[bands[i] if 0 <= i < len(bands) else 'out of range' for i in sel]}"
            for where, bands in (("eo:bands", [b.get("name") for b in eo]), ("useful_bands", names)) if bands]
        if in_file:  # the dlm schema: a useful band's index is its "Index of the band in the original dataset"
            readings.append(f"indices in the source file (useful_bands index) {[in_file.get(i, '?') for i in sel]}")
        reason = (f"selected_bands {selected} is ambiguous ({'; '.join(readings)}); the explicit useful_bands "
                  "names were used")
        if len(sel) != len(names):
            reason += f" ({len(sel)} indices for {len(names)} named bands)"
        # an entry that is an object or array (invalid) goes into the band at its place as a whole
        odd = [isinstance(s, (dict, list)) and bool(s) for s in selected]
        if len(selected) > len(names) or any(odd):  # an index past the named bands has no band to go to
            for k in range(len(selected)):
                ctx.account(base + ("selected_bands", str(k)), [d + (str(k),) for d in dsts] if k < len(names) else [],
                            "lossy", reason, whole=odd[k])
        else:
            ctx.account(base + ("selected_bands",), dsts, "lossy", reason)
    elif not useful and sel:  # sel is not empty: selected is a list
        # what is no band index is removed, so that the indices left line up with the bands they name
        for k in reversed([k for k, s in enumerate(selected) if not is_type(s, "integer")]):
            ctx.remove(base + ("selected_bands", str(k)), "selected_bands entry is not a band index")
        names += [eo[i]["name"] if 0 <= i < len(eo) and isinstance(eo[i].get("name"), str) else f"band-{i}"
                  for i in sel]
        how = ("read as positions in eo:bands (they may also index the source file)" if eo else
               "name no bands (no useful_bands or eo:bands); named band-<index>")
        ctx.account(base + ("selected_bands",), dsts, "lossy", f"selected_bands {selected} {how}")
    else:
        return names
    inp.pop("selected_bands")
    return names


def _as_list(value: Any) -> list[Any] | None:
    values = value if isinstance(value, list) else [value]  # a number, or a non-empty list of numbers
    return values if values and all(is_type(v, "number") for v in values) else None


def _quotient(a: float, b: float) -> float:
    """a / b of the numbers as written (0.0421 / 0.0001 is 421, where binary floats give 420.99999999999994),
    rounded once to the nearest float."""
    return float(Decimal(repr(a)) / Decimal(repr(b)))


def _value_scaling(ctx: Ctx, inp: dict[str, Any], base: Path, nbands: int, dsts: list[Path]
                   ) -> list[dict[str, Any]] | None:
    """value_scaling from scaling_factor and mean/std: z-score mean/s, std/s; s alone -> scale 1/s."""
    skey, mkey, dkey = (_first_key(inp, *keys) for keys in (("scaling_factor",), ("normalization:mean", "mean"),
                                                             ("normalization:std", "std")))
    if not (skey or mkey or dkey):
        return None
    s = _as_list(inp.get(skey)) if skey else [1]
    mean, std = _as_list(inp.get(mkey)), _as_list(inp.get(dkey))  # inp.get(None) is None
    present = [k for k in (skey, mkey, dkey) if k]

    def fail(why: str) -> None:
        for k in present:
            ctx.remove(base + (k,), why)

    if s is None or any(v <= 0 for v in s):
        return fail(f"scaling_factor {inp.get(skey)!r} is not a positive number (or list of them); no value_scaling")
    if (mkey or dkey) and (mean is None or std is None):
        return fail("mean and std must both be numbers or lists of numbers; no value_scaling written")
    # mean 0 and std 1 (what the dlm beta.3 schema, which requires both, makes a scale-only model write): nothing
    # to fold, only scaling_factor applies
    identity = mean is not None and all(m == 0 for m in mean) and all(d == 1 for d in std)
    if identity and skey is None:
        return fail("mean 0 and std 1 leave the data unchanged: no value_scaling needed")
    lengths = {len(s)} if mean is None else {len(s), len(mean), len(std)} - {1}
    if len(lengths) > 1 or (nbands and lengths and next(iter(lengths)) not in (1, nbands)):
        return fail(f"normalisation lists of lengths {sorted({len(x) for x in (s, mean or s, std or s)})} do not "
                    f"match each other or the {nbands} bands; no value_scaling written (never padded or truncated)")
    if mean is not None and any(d <= 0 for d in std):
        return fail("a std is not positive (division by zero); no value_scaling written")
    # each list has one value (for every band) or n: values[i % len(values)] is the i-th band's; with the identity,
    # one scale entry when every band shares one scaling_factor (MLM: a single object rescales every dimension)
    n = len(s) if identity else max(lengths) if lengths else 1

    def fold(key: str, fields: tuple[tuple[str, ...], ...], status: str, why: str | None) -> None:
        """Each value of ``key`` to ``fields`` of the value_scaling objects it makes: n values one each, any other
        number of values (one, or the identity's per-band 0 or 1 under one shared scale) every object."""
        value = inp[key]  # a number, or a list of numbers
        parts = ([(base + (key, str(i)), [i]) for i in range(n)] if isinstance(value, list) and len(value) == n > 1
                 else [(base + (key, str(i)), range(n)) for i in range(len(value))] if isinstance(value, list) else
                 [(base + (key,), range(n))])
        for src, items in parts:
            ctx.account(src, [d + (str(i),) + f for d in dsts for i in items for f in fields], status, why)

    if identity:
        for k in (mkey, dkey):  # each band's 0 or 1 is in the scale entry of its band (the only one if shared)
            fold(k, ((),), "transformed", "mean 0 and std 1 leave the data unchanged; only scaling_factor is applied")
        mean = std = None
    out = [{"type": "scale", "value": _quotient(1, s[i % len(s)])} if mean is None else
           {"type": "z-score", "mean": _quotient(mean[i % len(mean)], s[i % len(s)]),
            "stddev": _quotient(std[i % len(std)], s[i % len(s)])} for i in range(n)]

    if skey:
        fold(skey, ((),), "transformed", "scale by 1/scaling_factor (MLM scale divides)" if mean is None else
             "scaling_factor folded into the z-score: mean/scaling_factor, std/scaling_factor")
    if mean is not None:
        fold(mkey, (("mean",),) if skey else (("mean",), ("type",)), "transformed",
             "folded with scaling_factor: mean_i / scaling_factor" if skey else "mean and std became a z-score")
        fold(dkey, (("stddev",),), "transformed" if skey else "moved",
             "folded with scaling_factor: std_i / scaling_factor" if skey else None)
    for k in present:
        inp.pop(k)
    return out


@transform("dlm.inputs",
           reads=("properties.dlm:inputs", "properties.dlm:input", "properties.dlm:data.useful_bands",
                  "properties.eo:bands", "properties.bands"),
           writes=("properties.mlm:input",))
def inputs(ctx: Ctx) -> None:
    """dlm:inputs / dlm:input become mlm:input (input_tensors, bands, normalisation folded into value_scaling)."""
    props = ctx.get(P)  # an object: the mapping's `when`
    items = _objects(props, P, "dlm:inputs", "dlm:input")
    if not items:  # nothing usable: dlm.leftovers drops it (and the mapping invents a placeholder input)
        return
    out = _replace_unless(ctx, P + ("mlm:input",), list, "not a list; replaced by the dlm input")
    data = props.get("dlm:data") if isinstance(props.get("dlm:data"), dict) else {}
    mapped = _numpy_type(dtype := data.get(_first_key(data, "data_type", "dtype")))  # data.get(None) is None
    for base, inp in items:
        tensors = [(p, t) for p, t in _objects(inp, base, "input_tensors") if t]
        many = len(tensors) > 1
        entries = [P + ("mlm:input", str(len(out) + k)) for k in range(max(len(tensors), 1))]
        name = inp.get("name") if isinstance(inp.get("name"), str) else None  # "" is no name either
        names = _input_bands(ctx, props, data, inp, base, [e + ("bands",) for e in entries])
        scaling = _value_scaling(ctx, inp, base, len(names), [e + ("value_scaling",) for e in entries])
        pre_out = _processing(ctx, inp, base, "pre_processing_function", entries)
        for k, epath in enumerate(entries):
            entry: dict[str, Any] = {"name": f"{name or 'input'}_{k}" if many else name or "input",
                                     "bands": list(names), "input": {"shape": [], "dim_order": []}}
            out.append(entry)
            struct = entry["input"]
            if name and k == 0:  # one name for every entry made from this input
                ctx.account(base + ("name",), [e + ("name",) for e in entries], "transformed" if many else "moved",
                            "one input per tensor, numbered" if many else None)
            elif not name:
                ctx.invent(epath + ("name",), entry["name"], "the dlm input has no name")
            if not names:
                ctx.invent(epath + ("bands",), [], "no bands referenced by the dlm input")
            if tensors:
                tbase, tensor = tensors[k]
                dims = table("tensor_dims")  # the known keys in MLM's order, each a channel axis or not
                for d in [d for d in dims if d in tensor] + [d for d in tensor if d not in dims]:
                    size = tensor[d]
                    dim = (("bands" if names else "channel") if dims.get(d) else
                           re.sub(r"[^a-z_-]", "", d.lower()) or "dim")
                    if dim in struct["dim_order"]:
                        ctx.dropped(tbase + (d,), f"second {dim!r} dimension")
                        continue
                    idx = len(struct["shape"])
                    ok = is_type(size, "integer") and size >= -1
                    struct["shape"].append(size if ok else -1)
                    struct["dim_order"].append(dim)
                    why = (f"input_tensors.{d} {size!r} is not a size; -1 (variable) written" if not ok else
                           f"input_tensors.{d} became dimension {idx} named {dim!r}" + (
                               f" (note: {size} channels but {len(names)} bands)"
                               if dims.get(d) and names and size != len(names) else ""))
                    ctx.account(tbase + (d,), [epath + ("input", f, str(idx)) for f in ("shape", "dim_order")],
                                "transformed" if ok else "lossy", why)
            else:
                shape, order = (([-1, len(names), -1, -1], ["batch", "bands", "height", "width"]) if names else
                                ([-1], ["batch"]))
                ctx.invent(epath + ("input", "shape"), shape, "no input_tensors; sizes unknown")
                ctx.invent(epath + ("input", "dim_order"), order, "no input_tensors")
            typed = scaling is None and mapped is not None  # unscaled data reaches the model in its own type
            ctx.invent(epath + ("input", "data_type"), mapped[0] if typed else "float32", (
                f"the model's tensor type is taken to be the source data type {dtype!r} (no scaling is "
                "applied)") if typed else "no source; float32 assumed" + (" (scaling is applied)" if scaling else ""))
            # built above for these entries alone: the last one takes them, the others copies
            entry.update((f, v if epath is entries[-1] else copy.deepcopy(v)) for f, v in (
                ("value_scaling", scaling), ("pre_processing_function", pre_out)) if v is not None)
        if "input_tensors" in inp and not tensors:
            ctx.dropped(base + ("input_tensors",), "input_tensors is not a (non-empty) object or list of objects")
        for i, t in enumerate(of_type(inp.get("input_tensors"), list) if tensors else []):
            if not isinstance(t, dict) or not t:
                ctx.dropped(base + ("input_tensors", str(i)), "an input_tensors element that is no tensor object")
        inp.pop("input_tensors", None)
        if name:
            inp.pop("name")


def _numpy_type(value: Any) -> tuple[str, str | None] | None:
    """(raster data_type, lossy reason) for a numpy dtype name; None if unknown."""
    entry = table("numpy_data_types").get(value.strip().lower()) if isinstance(value, str) else None
    return None if entry is None else table_entry(entry)


# -- outputs --------------------------------------------------------------------------------------------------
def _classes(ctx: Ctx, o: dict[str, Any], base: Path, epath: Path) -> list[dict[str, Any]]:
    """class_name_mapping (an object keyed by value, or a list of such objects, of {index, class_name} or of labels)
    as classification classes sorted by value; each source leaf is accounted by what it gives its class."""
    cbase = base + ("class_name_mapping",)
    mapping = o["class_name_mapping"]
    found: list[tuple[int | None, Any, list[tuple[Path, str]]]] = []  # (value, label, [(source leaf, role)])
    bad: list[Path] = []

    def keyed(obj: dict[str, Any], here: Path) -> None:  # {"0": "water", ...}: the key is the value
        found.extend((_class_value(k), label, [(here + (k,), "all")]) for k, label in obj.items())

    if isinstance(mapping, dict):
        keyed(mapping, cbase)
    for i, el in enumerate(of_type(mapping, list)):
        here = cbase + (str(i),)
        if isinstance(el, dict) and ("index" in el or "class_name" in el):
            srcs = [(here + (k,), role) for k, role in (("index", "value"), ("class_name", "label")) if k in el]
            bad.extend(here + (other,) for other in el if other not in ("index", "class_name"))
            found.append((_class_value(el.get("index")), el.get("class_name"), srcs))
        elif isinstance(el, dict) and el:
            keyed(el, here)
        elif isinstance(el, str):
            found.append((None, el, [(here, "all")]))
        else:
            bad.append(here)
    # a class without an integer key takes its position as its value, or, where another class has that value, the
    # next number no class has (two classes with one value would be one class)
    taken = {v for v, _, _ in found if v is not None}
    classes = []
    for i, (v, label, srcs) in enumerate(found):
        note = None
        if v is None:
            v = i if i not in taken else next(n for n in count(max(taken) + 1) if n not in taken)
            taken.add(v)
            note = f"a class key is not an integer; the class value is {'its position' if v == i else 'a free number'}"
        elif not isinstance(label, str):
            note = "a class has no name; described as 'class <value>'"
        classes.append((v, label, srcs, note))
    out: list[dict[str, Any]] = []
    for j, (value, label, srcs, note) in enumerate(sorted(classes, key=lambda c: c[0])):
        whole = note is not None
        label = label if isinstance(label, str) else f"class {value}"
        # classification v1.1.0 defines value, name, description (no title): the label, which the cleaned name
        # may not spell exactly, lives on whole in the description
        out.append({"value": value, "name": class_name(label, value), "description": label})
        cpath = epath + ("classification:classes", str(j))
        by_role = {  # (destinations, status, reason) of a source leaf by what it gives the class
            "value": ([cpath + ("value",)], "moved", None),
            "label": ([cpath + ("name",), cpath + ("description",)], "transformed",
                      "class label became description and name (name cleaned to [0-9A-Za-z-_])"),
            "all": ([cpath], "lossy" if note else "transformed", note or "class_name_mapping entry became a "
                    "classification class (value from the key, the label as description and name)")}
        for src, role in srcs:  # a class with no value or no label: the source left stands for the whole class
            dsts, status, why = by_role["all" if whole else role]
            if role == "value" and not whole and not is_type(ctx.get(src), "integer"):  # "2", "I_2": another JSON value
                status, why = "transformed", f"the index {json.dumps(ctx.get(src))} read as the integer {value}"
            if whole and ctx.get(src) in ({}, []):  # the ledger lets nothing later written into an empty source
                dsts = [cpath + (k,) for k in out[-1]]  # value follow it: it goes to each member of its class
            ctx.account(src, dsts, status, why, whole=whole)  # whole: {"name": ""} covers its class, not .../name
    for b in bad:
        ctx.dropped(b, "not a class entry")
    if not found and not bad:
        ctx.dropped(cbase, "empty class_name_mapping")
    o.pop("class_name_mapping")
    return out


def _per_pixel(shape: Any) -> bool:
    """A result of one value per pixel: the shapes _result_dims reads with height and width last, both more than
    one (or variable)."""
    sizes = shape if isinstance(shape, list) and len(shape) in (3, 4, 5) else []
    return all(is_type(n, "integer") for n in sizes) and bool(sizes) and all(n > 1 or n == -1 for n in sizes[-2:])


def _result_dims(shape: list[int], task: str | None, nclasses: int) -> tuple[list[str], str]:
    rank = len(shape)
    axis = "score" if task == "regression" else "class" if task in table("class_tasks") or nclasses > 0 else "channel"
    why = f"rank {rank} read as "
    channels = shape[2 if rank == 5 else 1] if rank in (2, 4, 5) else None
    if axis == "class" and nclasses and channels not in (None, nclasses, -1):
        axis = "channel"
        why = (f"{nclasses} classes but {channels} output channels (a dont-care class or a binary output has no "
               f"channel of its own), so the axis is named 'channel' not 'class'; rank {rank} read as ")
    dims = ([axis if d == "axis" else d for d in table("result_dim_orders").get(str(rank), [])] or
            ["batch"] + ["dim-" + chr(ord("a") + i) for i in range(rank - 1)])
    return dims, f"no source; {why}{dims}"


@transform("dlm.outputs", reads=("properties.dlm:outputs", "properties.dlm:output"),
           writes=("properties.mlm:tasks", "properties.mlm:output", "properties.mlm:hyperparameters"))
def outputs(ctx: Ctx) -> None:
    """dlm:outputs / dlm:output become mlm:tasks and mlm:output (result shape, classes, hyperparameters)."""
    props = ctx.get(P)  # an object: the mapping's `when`
    items = _objects(props, P, "dlm:outputs", "dlm:output")
    if not items:  # the mapping invents a placeholder output
        return
    out = _replace_unless(ctx, P + ("mlm:output",), list, "not a list; replaced by the dlm output")
    tasks_path, new_tasks = P + ("mlm:tasks",), not isinstance(props.get("mlm:tasks"), list)
    item_tasks = _replace_unless(ctx, tasks_path, list, "not a list; replaced by the dlm task")
    for base, o in items:
        epath = P + ("mlm:output", str(len(out)))
        raw = o.get("task")  # a task only if o has one: an ml-model task name or a dlm-only one
        task, lossy = task_for(raw, "dlm_tasks")
        why = lossy or f"task {raw!r} is the MLM task {task!r}"
        if task == "classification" and _per_pixel(o.get("final_layer_size")):
            # the MLM README: a model that classifies every pixel is a (semantic) segmentation, not a classification
            pixels = (f"a per-pixel result {o['final_layer_size']}, so the MLM task 'semantic-segmentation' (MLM "
                      "calls pixel-wise classification segmentation)")
            task, why = "semantic-segmentation", f"{lossy}, with {pixels}" if lossy else f"task {raw!r} with {pixels}"
        if task:
            o.pop("task")
            item_tasks += [] if task in item_tasks else [task]
            ctx.account(base + ("task",), [epath + ("tasks", "0"), tasks_path + (str(item_tasks.index(task)),)],
                        "lossy" if lossy else "transformed", why)
        elif "task" in o:
            ctx.remove(base + ("task",), f"task {raw!r} is not an MLM task (closed enum)")
        entry: dict[str, Any] = {"name": task or "output", "tasks": [task] if task else []}
        out.append(entry)
        ctx.invent(epath + ("name",), entry["name"], "dlm names no output" + ("; named after the task" if task else ""))
        if not task:
            ctx.invent(epath + ("tasks",), [], "no MLM task for this output")
        classes_out = _classes(ctx, o, base, epath) if "class_name_mapping" in o else []
        if "number_of_classes" in o:
            nclasses = o.pop("number_of_classes")
            n_ok = is_type(nclasses, "integer") and nclasses > 0
            if not classes_out and n_ok and task in table("class_tasks"):
                classes_out = [{"value": i, "name": f"class_{i}", "description": f"class {i}"} for i in range(nclasses)]
                ctx.account(base + ("number_of_classes",), [epath + ("classification:classes",)], "lossy",
                            "no class names: classes class_0..class_{n-1} synthesised from number_of_classes")
            else:
                ctx.dropped(base + ("number_of_classes",), "implied by the class list and the class dimension of the "
                            "result" + (f" (note: {nclasses} classes declared, {len(classes_out)} listed; all listed "
                                        "kept)" if n_ok and classes_out and nclasses != len(classes_out) else ""))
        # result
        fls = o.get("final_layer_size")
        sizes = isinstance(fls, list) and fls and all(is_type(n, "integer") for n in fls)
        if "final_layer_size" in o and not sizes:
            ctx.remove(base + ("final_layer_size",), f"final_layer_size {fls!r} is not a list of sizes")
        entry["result"] = {}
        if sizes:
            ctx.move(base + ("final_layer_size",), epath + ("result", "shape"))
        else:
            ctx.invent(epath + ("result", "shape"), [-1], "no final_layer_size; size unknown")
        ctx.invent(epath + ("result", "dim_order"), *(_result_dims(fls, task, len(classes_out)) if sizes else
                                                       (["batch"], "no final_layer_size")))
        ctx.invent(epath + ("result", "data_type"), "float32", "no source; float32 assumed (logits/scores)")
        post = _processing(ctx, o, base, "post_processing_function", [epath])
        entry.update((f, v) for f, v in (("classification:classes", classes_out), ("post_processing_function", post))
                     if v)  # _processing gives None or a non-empty value
        if "dont_care_index" in o:
            hyper = _replace_unless(ctx, P + ("mlm:hyperparameters",), dict, "not an object; replaced")
            if "dont_care_index" in hyper:
                ctx.remove(base + ("dont_care_index",), "mlm:hyperparameters.dont_care_index already set")
            else:
                ctx.move(base + ("dont_care_index",), P + ("mlm:hyperparameters", "dont_care_index"),
                         "MLM has no dont-care field; kept as a hyperparameter")
    if new_tasks and not item_tasks:
        ctx.created(tasks_path, "invented", "mlm:tasks is required; [] as no task maps")


# -- architecture -----------------------------------------------------------------------------------------------
@transform("dlm.architecture",
           reads=("properties.dlm:architecture.estimated_total_size_mb", "properties.dlm:architecture.ram_size_mb",
                  "properties.dlm:architecture.on_disk_size_mb", "properties.dlm:architecture.pretrained"),
           writes=("properties.mlm:memory_size", "assets.<model>.file:size", "properties.mlm:pretrained",
                   "properties.mlm:pretrained_source"))
def architecture(ctx: Ctx) -> None:
    """dlm:architecture sizes in MB become bytes (mlm:memory_size, the model asset's file:size) where the document
    does not state them already (then the dlm figure is dropped, saying so); pretrained becomes mlm:pretrained* the
    same way."""
    props, base = ctx.get(P), P + ("dlm:architecture",)
    arch = props["dlm:architecture"]  # an object: the mapping's `when`
    for key, why in [(k, why) for k, why in table("dlm_sizes").items() if k in arch]:
        mb, on_disk = arch.pop(key), key == "on_disk_size_mb"
        models = model_assets(ctx.doc)
        # a size the document already states (an MLM Item's own, beside another family's fields) is not overwritten
        dsts = ([("assets", m, "file:size") for m in models if "file:size" not in ctx.doc["assets"][m]] if on_disk
                else [] if "mlm:memory_size" in props else [P + ("mlm:memory_size",)])
        if not is_type(mb, "number") or mb < 0:
            ctx.dropped(base + (key,), f"{key} {mb!r} is not a size")
        elif not dsts:
            ctx.dropped(base + (key,), ("file:size already set on the model asset" if models else
                                        "no model asset to carry file:size") if on_disk else
                        "mlm:memory_size already set")
        else:
            for dst in dsts:
                ctx.put(dst, round(mb * 1048576))
            ctx.lossy([base + (key,)], dsts, f"MB x 1048576 rounded to bytes{why}")
            if on_disk:
                add_extension(ctx, "https://stac-extensions.github.io/file/v2.1.0/schema.json")
    value = arch.get("pretrained")  # true and null: the mapping's move and drop after this transform
    if "pretrained" in arch and "mlm:pretrained" not in props and value is not True and value is not None:
        if "mlm:pretrained_source" in props:  # an MLM Item's own (beside another family's fields) stays as it is
            arch.pop("pretrained")
            ctx.dropped(base + ("pretrained",), "mlm:pretrained_source already set")
            return
        arch.pop("pretrained")
        src, dsts = base + ("pretrained",), [P + ("mlm:pretrained",), P + ("mlm:pretrained_source",)]
        scratch = value is False or isinstance(value, str) and value.strip().lower() in table("pretrained_none")
        props["mlm:pretrained"] = not scratch
        props["mlm:pretrained_source"] = None if scratch else str(value)
        ctx.transformed([src], dsts, "false: trained from scratch (pretrained_source null)" if value is False else
                        f"pretrained {value!r} read as trained from scratch (mlm:pretrained false, source null)"
                        if scratch else "the pretraining source: mlm:pretrained true and mlm:pretrained_source")


# -- runtime ----------------------------------------------------------------------------------------------------
@transform("dlm.runtime",
           reads=("properties.dlm:runtime", "assets.*.href"),
           writes=("properties.mlm:framework_version", "properties.mlm:accelerator",
                   # asset keys get -2, -3... when taken:
                   "assets.{mlm:source_code,mlm:container,dockerfile,requirements,model}*",
                   "assets.*.roles"))  # the asset already holding the model artefact: mlm:model
def runtime(ctx: Ctx) -> None:
    """dlm:runtime becomes mlm:framework_version (SemVer) and the source-code, container and model assets (a model
    artefact an asset already holds is that asset, given the mlm:model role)."""
    props, base = ctx.get(P), P + ("dlm:runtime",)
    rt = props["dlm:runtime"]  # an object: the mapping's `when`
    for k in [k for k in ("framework_version", "version") if k in rt]:
        value = rt.pop(k)
        version = semver(value)
        if "mlm:framework_version" in props:
            ctx.dropped(base + (k,), "mlm:framework_version already set" if version is None or
                        props["mlm:framework_version"] != version else "same version as framework_version")
        elif version is None:
            ctx.dropped(base + (k,), f"{value!r} is not a SemVer version (mlm:framework_version needs one)")
        else:
            props["mlm:framework_version"] = version
            ctx.account(base + (k,), [P + ("mlm:framework_version",)], "moved" if version == value else "transformed",
                        None if version == value else f"{value!r} written as SemVer {version!r}")
    assets = _assets(ctx)
    if assets is None:
        return
    url, handler, commit = rt.get("model_src_url"), rt.get("model_handler"), rt.get("model_commit_hash")
    # an empty text (what a converter writes where dlm beta requires a value it does not know) names no file: an
    # asset of it would have an empty href, which STAC forbids
    if _blank(url):
        ctx.remove(base + ("model_src_url",), "empty: names no source code")
    if not isinstance(url, str) or _blank(url):
        for k, why in (("model_handler", "no model_src_url: no source-code asset to carry mlm:entrypoint"),
                       ("model_commit_hash", "no model_src_url the commit could refer to")):
            if k in rt:
                ctx.remove(base + (k,), why)
    else:
        commit = commit.strip() if isinstance(commit, str) else ""
        # a forge URL can point at the commit itself
        pinned = bool(commit) and any(f"//{host}/" in url or f"//www.{host}/" in url for host in table("source_forges"))
        apath = _runtime_asset(ctx, assets, "mlm:source_code", href=f"{url.rstrip('/')}/tree/{commit}" if pinned
                               else url, **({"description": f"commit {commit}"} if commit and not pinned else {}))
        url_src, commit_src, href = base + ("model_src_url",), base + ("model_commit_hash",), apath + ("href",)
        if pinned:
            ctx.transformed([url_src, commit_src], [href], "source URL pinned to the commit (/tree/<hash>)")
        else:
            ctx.moved(url_src, href, None if commit else "the source code became the mlm:source_code asset")
            if commit:
                ctx.lossy([commit_src], [apath + ("description",)],
                          "not a known forge; the commit is kept as text in the description")
        rt.pop("model_src_url")
        if commit:
            rt.pop("model_commit_hash")
        if isinstance(handler, str) and handler.strip():
            ctx.move(base + ("model_handler",), apath + ("mlm:entrypoint",),
                     "the inference function is the source-code asset's mlm:entrypoint")
    if _blank(rt.get("requirement_file")):
        ctx.remove(base + ("requirement_file",), "empty: names no requirements file")
    elif isinstance(rt.get("requirement_file"), str):
        apath = _runtime_asset(ctx, assets, "requirements", href=rt.pop("requirement_file"))
        ctx.transformed([base + ("requirement_file",)], [apath + ("href",)],
                        "became a plain asset (MLM has no requirements field)")
    # the beta examples give one object, the current README types it as a list of Docker objects
    for dbase, block in _objects(rt, base, "docker"):
        _docker(ctx, props, block, dbase, assets)
    if (docker := rt.get("docker")) == {} or isinstance(docker, list) and docker and all(d == {} for d in docker):
        rt.pop("docker")
    same = _asset_with_href(assets, rt.get("model_artifact"))
    if _blank(rt.get("model_artifact")):
        ctx.remove(base + ("model_artifact",), "empty: names no model file")
    elif same is not None:  # an asset of that file (the MLM direction keeps the model asset and copies its href)
        rt.pop("model_artifact")
        ctx.account(base + ("model_artifact",), [("assets", same, "href")], "moved",
                    f"the model artefact is the asset {same!r} (the same href)")
        roles = assets[same].get("roles")
        if not isinstance(roles, list):
            ctx.set(("assets", same, "roles"), ["mlm:model"], "the model artefact asset has the mlm:model role")
        elif "mlm:model" not in roles:
            roles.append("mlm:model")
            ctx.created(("assets", same, "roles", str(len(roles) - 1)), "invented",
                        "the model artefact asset has the mlm:model role")
    elif isinstance(rt.get("model_artifact"), str):
        apath = _runtime_asset(ctx, assets, "model", href=rt.pop("model_artifact"))
        ctx.moved(base + ("model_artifact",), apath + ("href",), "the model artefact became the mlm:model asset")
        kind, why = infer_artifact_type(ctx.get(apath))
        ctx.invent(apath + ("mlm:artifact_type",), kind, f"required on mlm:model assets; {why}")


def _asset_with_href(assets: dict[str, Any], href: Any) -> str | None:
    """The key of the first asset whose href is ``href`` (a text that is not blank), else None."""
    if not isinstance(href, str) or _blank(href):
        return None
    return next((k for k, a in assets.items() if isinstance(a, dict) and a.get("href") == href), None)


def _blank(value: Any) -> bool:
    """A text with nothing in it but white space."""
    return isinstance(value, str) and not value.strip()


def _docker(ctx: Ctx, props: dict[str, Any], docker: dict[str, Any], base: Path, assets: dict[str, Any]) -> None:
    runtime_block = docker.get("docker_runtime") if isinstance(docker.get("docker_runtime"), dict) else {}
    # where each string is: in the docker object, else docker_image / docker_file in its docker_runtime block
    image_src, dockerfile_src = (base + ("docker_runtime", nested) if not isinstance(docker.get(key), str) and
                                 isinstance(runtime_block.get(nested), str) else base + (key,)
                                 for key, nested in (("image_name", "docker_image"), ("docker_file", "docker_file")))
    image, dockerfile = ctx.get(image_src), ctx.get(dockerfile_src)
    text_host: Path | None = None
    if isinstance(image, str) and image.strip():
        tag, href = docker.get("tag"), image.strip()
        tagged = isinstance(tag, str) and tag.strip() and ":" not in href.rsplit("/", 1)[-1]
        apath = _runtime_asset(ctx, assets, "mlm:container", href=f"{href}:{tag.strip()}" if tagged else href)
        if tagged:
            ctx.transformed([image_src, base + ("tag",)], [apath + ("href",)], "image_name:tag")
            docker.pop("tag")
        else:  # the same name with its spaces stripped is another string
            ctx.account(image_src, [apath + ("href",)], "moved" if href == image else "transformed",
                        "the docker image became the mlm:container asset" + (
                            "" if href == image else " (surrounding whitespace removed)"))
        if "tag" in docker:  # a tag not appended above
            ctx.remove(base + ("tag",), "not a tag" if not isinstance(tag, str) else "an empty tag" if not
                       tag.strip() else "image_name already carries a tag")
        text_host = apath
        ctx.get(image_src[:-1]).pop(image_src[-1])
    elif "tag" in docker:
        ctx.remove(base + ("tag",), "a tag without an image name")
    if isinstance(dockerfile, str) and dockerfile.strip():
        apath = _runtime_asset(ctx, assets, "dockerfile", href=dockerfile)
        ctx.move(dockerfile_src, apath + ("href",), "the Dockerfile became a plain asset")
        text_host = text_host or apath
    if "docker_runtime" in docker and not isinstance(docker["docker_runtime"], dict):
        ctx.remove(base + ("docker_runtime",), "docker_runtime is not an object")
    elif runtime_block == {} and "docker_runtime" in docker:
        docker.pop("docker_runtime")  # emptied by the moves above (or empty in the source)
    parts = [(k, docker[k]) for k in ("working_dir", "run") if isinstance(docker.get(k), str)]
    if parts and text_host is not None:
        text, old = "; ".join(f"{k}: {v}" for k, v in parts), ctx.get(text_host).get("description")
        ctx.get(text_host)["description"] = f"{old}; {text}" if isinstance(old, str) else text
        for k, _ in parts:
            docker.pop(k)
            ctx.lossy([base + (k,)], [text_host + ("description",)],
                      "MLM has no field for it; kept as text in the asset description")
    for k in ("gpu", "accelerator"):
        if isinstance(docker.get(k), bool) and "mlm:accelerator" not in props:
            flag = docker.pop(k)
            props["mlm:accelerator"] = "cuda" if flag else None
            ctx.account(base + (k,), [P + ("mlm:accelerator",)], "lossy" if flag else "transformed",
                        "true does not say which accelerator; cuda assumed" if flag else
                        "false: no specific accelerator (null)")


# -- archive -----------------------------------------------------------------------------------------------------
def _is_model_file(name: Any) -> bool:
    return isinstance(name, str) and infer_artifact_type({"href": name})[0] != "unknown"


@transform("dlm.archive", reads=("properties.dlm:archive", "assets"),
           writes=("assets", "assets.<model>.mlm:artifact_type", "assets.<model>.description"))
def archive(ctx: Ctx) -> None:
    """dlm:archive and its archive asset become the mlm:model asset, with mlm:artifact_type inferred.

    Members with their own href become assets (a model file the mlm:model asset); the other members are listed in
    the archive asset's description, and the model-weight member names the file the artifact type is inferred
    from."""
    props = ctx.get(P)
    assets = _assets(ctx)
    if not isinstance(props, dict) or assets is None:
        return
    members, base = props.get("dlm:archive"), P + ("dlm:archive",)
    model_hint: str | None = None
    listed: list[tuple[Path, str]] = []
    for i, m in _elements(members):
        here = base + (i,)
        name, href = m.get("name"), m.get("href")
        role = m.get("role")  # one string or a list of them: (path, text, asset roles from the table) of each
        texts = [(here + ("role",) + rel, t, table("archive_roles").get(t.strip().lower())) for rel, t in (
            [((), role)] if isinstance(role, str) else [((str(j),), r) for j, r in enumerate(of_type(role, list))])
            if isinstance(t, str)]
        known = [r for _, _, r in texts]
        if model_hint is None and isinstance(name, str) and (
                any(t.strip().lower() == "model weight" for _, t, _ in texts) or _is_model_file(name)):
            model_hint = name
        if isinstance(href, str) and href.strip():
            guessed = not any(known) and _is_model_file(name or href)  # no role from the table
            roles = ["mlm:model", "mlm:weights"] if guessed else list(dict.fromkeys(x for r in known for x in r or []))
            free = [t for _, t, r in texts if r is None]
            asset = {"href": href, **({"title": name} if isinstance(name, str) else {}), "roles": roles or ["data"],
                     **({"description": "; ".join(free)} if free else {})}
            invented = {} if any(known) else {  # no role from the table (none, or only ones mapping to nothing)
                "roles": "roles inferred from the file ending" if guessed else "role assumed: data"}
            apath = _new_asset(ctx, assets, name.rsplit("/", 1)[-1] if isinstance(name, str) and name else
                               f"archive-{i}", asset, **invented)
            ctx.moved(here + ("href",), apath + ("href",), "archive member with its own href became an asset")
            if isinstance(name, str):
                ctx.moved(here + ("name",), apath + ("title",))
            for src, t, r in texts:
                if r is not None:
                    ctx.transformed([src], [apath + ("roles",)], f"archive role {t!r} -> {r}")
                else:
                    ctx.lossy([src], [apath + ("description",)], "free-text archive role kept as the asset description")
            if "mlm:model" in asset["roles"]:
                kind, why = infer_artifact_type(asset)
                ctx.invent(apath + ("mlm:artifact_type",), kind, f"required on mlm:model assets; {why}")
            # the member's fields leave the archive entry: those moved above keep their report (the ledger follows
            # them to the asset), a name or role that is not text has no asset field and is dropped
            for k in [k for k in ("href", "name", "role") if k in m]:
                ctx.remove(here + (k,), f"archive member {k} that is not text has no asset field")
        else:
            label = str(name) if name is not None else f"member {i}"
            roles_text = ", ".join(t for _, t, _ in texts)
            listed.append((here, f"{label} ({roles_text})" if roles_text else label))
    hrefs = [m.get("href") for _, m in _elements(members)]
    host = next((k for k in model_assets(ctx.doc) if assets[k].get("href") not in hrefs), None)
    if listed and host is not None:
        asset, apath = assets[host], ("assets", host, "description")
        text = "archive members: " + "; ".join(t for _, t in listed)
        if isinstance(asset.get("description"), str) and asset["description"].strip():
            asset["description"] = asset["description"].rstrip() + ". " + text
            ctx.changed(apath, "transformed", "the archive member list was appended")
        elif "description" in asset:  # blank, or no text at all: it gives way, reported
            ctx.replace(apath, text, "a description that was blank or no text gave way to the archive member list")
        else:
            asset["description"] = text
        for here, _ in listed:
            # the whole member became part of one line of text: every field of it lands on the description
            ctx.lossy([here], [apath], "MLM cannot list archive members; kept as text in the archive asset's "
                                       "description", whole=True)
            members[int(here[-1])] = {}
    hinted, hint_why = infer_artifact_type({"href": model_hint}) if model_hint else ("unknown", None)
    for key in [k for k in model_assets(ctx.doc) if not assets[k].get("mlm:artifact_type")]:
        kind, why = infer_artifact_type(assets[key])
        if kind == "unknown" and hinted != "unknown":
            kind, why = hinted, f"{hint_why} of the archive member {model_hint!r}"
        ctx.invent(("assets", key, "mlm:artifact_type"), kind, f"required on mlm:model assets; {why}")


# -- band definitions ---------------------------------------------------------------------------------------------
@transform("dlm.band_definitions",
           reads=("properties.eo:bands", "properties.bands",
                  "properties.dlm:data.{data_type,dtype,nodata,nodata_value}",
                  "properties.dlm:data.useful_bands[].{nodata,nodata_value}"),
           writes=("assets.<model>.eo:bands", "assets.<model>.bands", "assets.<model>.raster:bands",
                   "stac_extensions"))
def band_definitions(ctx: Ctx) -> None:
    """Band definitions go where MLM 1.5.2 checks them: on the mlm:model asset.

    Item eo:bands (STAC 1.0) or STAC 1.1 bands are copied to the mlm:model asset; dlm:data data_type/nodata become
    raster:bands there (one per input band), and the eo:bands copied beside them are then those of the input bands,
    in the same order; a band referenced but defined nowhere gets a name-only definition."""
    props = ctx.get(P)
    models = model_assets(ctx.doc)
    if not isinstance(props, dict) or not models:
        return
    apath = ("assets", models[0])
    masset = ctx.get(apath)
    stac11 = str(ctx.get(("stac_version",)) or "").startswith("1.1")
    found: dict[str, Path] = {}  # each band name mlm:input references, with where it is first referenced
    for i, item in enumerate(props.get("mlm:input") or []):
        for j, b in enumerate((item.get("bands") or []) if isinstance(item, dict) else []):
            name = b.get("name") if isinstance(b, dict) else b
            if isinstance(name, str):
                found.setdefault(name, P + ("mlm:input", str(i), "bands", str(j)))
    data = props["dlm:data"] if isinstance(props.get("dlm:data"), dict) else None
    # raster:bands are written beside eo:bands unless STAC 1.1 bands on the asset take data_type and nodata
    raster = data is not None and any(_band_data_keys(data)) and not (stac11 and (
        isinstance(masset.get("bands"), list) or "bands" not in masset and isinstance(props.get("bands"), list)
        and bool(props["bands"])))
    for key in ("eo:bands", "bands"):
        if not (isinstance(props.get(key), list) and props[key] and key not in masset):
            continue
        if key == "eo:bands" and raster and found:
            _input_eo_bands(ctx, props[key], apath, found)
        else:
            ctx.copy(P + (key,), apath + (key,), "band definitions copied to the mlm:model asset (eo v1.1.0 and "
                     "STAC 1.1 allow item-level bands only when an asset has them)")
        if key == "eo:bands":
            add_extension(ctx, EO)
    if data is not None:
        _data_types(ctx, data, apath, masset, list(found.items()), stac11)
    defined = {band["name"] for host in [props, *ctx.doc["assets"].values()] if isinstance(host, dict)
               for key in ("eo:bands", "raster:bands", "bands") for band in of_type(host.get(key), list)
               if isinstance(band, dict) and isinstance(band.get("name"), str)}
    missing = [(n, p) for n, p in found.items() if n not in defined]
    if missing:
        key = "bands" if stac11 else "eo:bands"
        for host in [h for h in [apath] + ([P] if stac11 else []) if isinstance(ctx.get(h).get(key, []), list)]:
            bands = ctx.get(host).setdefault(key, [])
            for name, src in missing:
                bands.append({"name": name})
                ctx.copied(src, host + (key, str(len(bands) - 1), "name"), _NAME_ONLY)
        if not stac11:
            add_extension(ctx, EO)


_NAME_ONLY = "band referenced by mlm:input but defined nowhere: name-only definition added"


def _input_eo_bands(ctx: Ctx, defs: list[Any], apath: Path, found: dict[str, Path]) -> None:
    """The eo:bands of the mlm:model asset when raster:bands are written beside them: the input bands, in input order.

    Readers pair eo:bands and raster:bands of one asset by position (STAC 1.1 merges them into one bands array),
    and the raster bands are the input bands: dlm:data's data_type and nodata describe the data the model reads,
    which the input bands are part of, whereas the item's eo:bands may list bands outside it (the dlm beta.3
    example lists 5 with number_of_bands 4). So the asset's eo:bands are cut down to the input bands rather than
    the raster:bands padded with bands the data type is not known of; the item keeps every definition."""
    index: dict[str, int] = {}
    for j, band in enumerate(defs):
        if isinstance(band, dict) and isinstance(band.get("name"), str):
            index.setdefault(band["name"], j)
    ctx.put(apath + ("eo:bands",), [])
    for k, (name, src) in enumerate(found.items()):
        if name in index:
            ctx.copy(P + ("eo:bands", str(index[name])), apath + ("eo:bands", str(k)),
                     "definition of an input band copied to the mlm:model asset, in input order like its raster:bands "
                     "(eo v1.1.0 allows item-level bands only when an asset has them)")
        else:
            ctx.put(apath + ("eo:bands", str(k)), {"name": name})
            ctx.copied(src, apath + ("eo:bands", str(k), "name"), _NAME_ONLY)


def _band_data_keys(data: dict[str, Any]) -> tuple[str | None, str | None, dict[int, Path]]:
    """dlm:data's data_type and nodata keys, and the per-band nodata of useful_bands (a sentinel-hub variant) by
    position."""
    base = P + ("dlm:data",)
    per_band = {j: base + ("useful_bands", str(j), k) for j, u in enumerate(of_type(data.get("useful_bands"), list))
                if isinstance(u, dict) and (k := _first_key(u, "nodata", "nodata_value"))}
    return _first_key(data, "data_type", "dtype"), _first_key(data, "nodata", "nodata_value"), per_band


def _data_types(ctx: Ctx, data: dict[str, Any], apath: Path, masset: dict[str, Any], inputs: list[tuple[str, Path]],
                stac11: bool) -> None:
    """dlm:data data_type and nodata (item-wide or per band) onto the bands of the mlm:model asset."""
    base = P + ("dlm:data",)
    # per-band nodata in useful_bands, aligned with the input bands by position
    dkey, nkey, per_band = _band_data_keys(data)
    if dkey is None and nkey is None and not per_band:
        return
    mapped, nodata = _numpy_type(data.get(dkey)), data.get(nkey)  # data.get(None) is None
    if dkey and mapped is None:
        ctx.remove(base + (dkey,), f"{dkey} {data[dkey]!r} is not a numpy type name")
        dkey = None
    if nkey and not (is_type(nodata, "number") or nodata in ("nan", "inf", "-inf")):
        ctx.remove(base + (nkey,), f"{nkey} {nodata!r} is not a number")
        nkey = None
    raster = not (stac11 and isinstance(masset.get("bands"), list))  # STAC 1.1 bands take the fields themselves
    target_key = "raster:bands" if raster else "bands"
    eo = masset.get("eo:bands") if raster and isinstance(masset.get("eo:bands"), list) and masset["eo:bands"] else None
    if raster:
        # one raster band for each eo:bands band of the asset, in its order (readers pair the two by position); an
        # input band it lacks is added to both
        names = ([b.get("name") if isinstance(b, dict) and isinstance(b.get("name"), str) else None for b in eo]
                 if eo is not None else [n for n, _ in inputs] or [None])
        for n, src in inputs:
            if n not in names:
                eo.append({"name": n})
                ctx.copied(src, apath + ("eo:bands", str(len(eo) - 1), "name"), _NAME_ONLY)
                names.append(n)
        if "raster:bands" in masset:
            ctx.remove(apath + ("raster:bands",), "replaced by raster bands built from dlm:data")
        masset["raster:bands"] = [{"name": n} if n else {} for n in names]
        add_extension(ctx, "https://stac-extensions.github.io/raster/v1.1.0/schema.json")
        for i, n in enumerate(names):
            if n:
                ctx.copied(apath + ("eo:bands", str(i), "name") if eo is not None else dict(inputs)[n],
                           apath + ("raster:bands", str(i), "name"), "raster band named after the " + (
                               "eo:bands band at its place" if eo is not None else "mlm:input band"))
        by_input = {pos: names.index(n) for pos, (n, _) in enumerate(inputs)}
        # data_type and nodata are known of the input bands (or of every band when none is named)
        targets = [i for i, n in enumerate(names) if not inputs or n in dict(inputs)]
    else:
        index = {b.get("name"): i for i, b in enumerate(masset["bands"]) if isinstance(b, dict)}
        by_input = {pos: index[n] for pos, (n, _) in enumerate(inputs) if n in index}
        targets = list(by_input.values())
    bands = masset[target_key]
    own = {i: per_band.pop(pos) for pos, i in by_input.items() if pos in per_band}  # a band's own nodata
    dsts_type, dsts_nodata = [], []
    for i in targets + [i for i in own if i not in targets]:
        band, here = bands[i], apath + (target_key, str(i))
        if dkey and "data_type" not in band and i in targets:
            band["data_type"] = mapped[0]
            dsts_type.append(here + ("data_type",))
        if i in own:
            if "nodata" in band:
                ctx.remove(own[i], "the band already has a nodata value")
            else:
                ctx.move(own[i], here + ("nodata",), "per-band nodata")
        elif nkey and "nodata" not in band and i in targets:
            band["nodata"] = nodata
            dsts_nodata.append(here + ("nodata",))
    for i, band in enumerate(bands if raster else []):
        if not band:
            ctx.created(apath + (target_key, str(i)), "invented", "one raster band per band")
    if dkey and not dsts_type:
        ctx.remove(base + (dkey,), "every band already has a data_type")
    elif dkey:
        value = data.pop(dkey)
        ctx.account(base + (dkey,), dsts_type, "lossy" if mapped[1] else "moved" if mapped[0] == value else
                    "transformed", mapped[1] or f"the source data type (numpy {value!r}) is the data_type of each band")
    if nkey and not dsts_nodata:
        ctx.remove(base + (nkey,), "every band already has a nodata value")
    elif nkey:
        data.pop(nkey)
        ctx.account(base + (nkey,), dsts_nodata, "moved", "the nodata value of each band")
    for src in per_band.values():
        ctx.remove(src, "no input band at this position")


# -- leftovers ---------------------------------------------------------------------------------------------------
@transform("dlm.leftovers", reads=("properties.dlm:*",), writes=())
def leftovers(ctx: Ctx) -> None:
    """What is left of the dlm:* objects has no target in the MLM version the step lands on: dropped, each leaf with
    its field name."""
    props = ctx.get(P)  # an object: the mapping's `when`
    # lossless mode (--keep-source): every source dlm:* object stays whole (engine/keep.py)
    source = (ctx.options.get("source") or {}).get("properties") if ctx.options.get("keep_source") else None
    parked = {k for k in source if k.startswith("dlm:") and ctx.park(P + (k,))} if isinstance(source, dict) else set()
    for key in [k for k in props if k.startswith("dlm:") and k not in parked]:
        path = P + (key,)
        for leaf, value in leaves(props[key], path):
            if isinstance(value, (dict, list)):
                if ctx.origins(leaf):
                    ctx.account(leaf, [], "dropped", "empty in the source")
                continue
            field = ".".join(p for p in leaf[1:] if not p.isdigit())
            ctx.account(leaf, [], "dropped", f"{field} has no MLM {ctx.target.version} counterpart")
        props.pop(key)
        ctx.account(path, [], "dropped", "emptied")
