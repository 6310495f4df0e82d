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
import re
from collections.abc import Iterable
from typing import Any

from crosswalk.engine.ctx import Ctx
from crosswalk.language.pointer import Path, leaves, rename_key
from crosswalk.transforms import table, transform
from crosswalk.transforms.ml_model.up import task_for
from crosswalk.transforms.mlm.up import _add_extension, infer_artifact_type, model_assets

P = ("properties",)
OCI = "application/vnd.oci.image.index.v1+json"
EO = "https://stac-extensions.github.io/eo/v1.1.0/schema.json"
RASTER = "https://stac-extensions.github.io/raster/v1.1.0/schema.json"
FILE = "https://stac-extensions.github.io/file/v2.1.0/schema.json"
PROCESSING = "https://stac-extensions.github.io/processing/v1.1.0/schema.json"
MIB = 1048576
SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)"
    r"(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)
PROVIDER_ROLES = ("producer", "licensor", "processor", "host")
EO_COMMON_NAMES = ("coastal", "blue", "green", "red", "rededge", "yellow", "pan", "nir", "nir08", "nir09",
                   "cirrus", "swir16", "swir22", "lwir", "lwir11", "lwir12")
FORGES = ("github.com", "gitlab.com", "bitbucket.org", "codeberg.org")
CLASS_TASKS = {"classification", "scene-classification", "segmentation", "semantic-segmentation",
               "instance-segmentation", "panoptic-segmentation"}


# -- helpers ------------------------------------------------------------------------------------------------
def _props(ctx: Ctx) -> dict[str, Any] | None:
    props = ctx.get(P)
    return props if isinstance(props, dict) else None


def _first_key(obj: dict[str, Any], *keys: str) -> str | None:
    for k in keys:
        if k in obj:
            return k
    return None


def _free_key(obj: dict[str, Any], key: str) -> str:
    """``key``, or ``key-2``, ``key-3``, ... if taken."""
    if key not in obj:
        return key
    n = 2
    while f"{key}-{n}" in obj:
        n += 1
    return f"{key}-{n}"


def _assets(ctx: Ctx) -> dict[str, Any] | None:
    assets = ctx.get(("assets",))
    if isinstance(assets, dict):
        return assets
    if ctx.get(("type",)) != "Feature":
        return None
    if ctx.has(("assets",)):
        ctx.remove(("assets",), "assets is not an object of assets")
    ctx.invent(("assets",), {}, "an Item needs assets")
    return ctx.get(("assets",))


def _key_norm(value: str) -> str:
    return re.sub(r"[\s_]+", "-", value.strip().lower())


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _pop_all(obj: dict[str, Any], keys: Iterable[str]) -> None:
    for k in keys:
        obj.pop(k, None)


def _band_defs(props: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for key in ("eo:bands", "bands"):
        value = props.get(key)
        if isinstance(value, list):
            out.extend(b for b in value if isinstance(b, dict))
    return out


def resolve_band(name: Any, defs: list[dict[str, Any]]) -> tuple[Any, str | None]:
    """The band ``name`` MLM should reference: an existing band name, else the band whose common name it is."""
    if not isinstance(name, str):
        return name, None
    if any(b.get("name") == name for b in defs):
        return name, None
    for b in defs:
        common = b.get("common_name") or b.get("eo:common_name")
        if isinstance(common, str) and common.lower() == name.lower() and isinstance(b.get("name"), str):
            return b["name"], f"common name {name!r} resolved to the band named {b['name']!r}"
    return name, None


def semver(value: Any) -> str | None:
    """A framework version as strict SemVer (``1.5`` -> ``1.5.0``, ``v2.1`` -> ``2.1.0``); None if impossible."""
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    if text[:1] in ("v", "V"):
        text = text[1:]
    m = re.fullmatch(r"(\d+)(?:\.(\d+))?(?:\.(\d+))?([-+].*)?", text)
    if not m:
        return None
    parts = [str(int(p)) if p is not None else "0" for p in m.groups()[:3]]
    out = ".".join(parts) + (m[4] or "")
    return out if SEMVER.match(out) else None


def expression(value: Any) -> dict[str, Any] | None:
    """A dlm pre/post-processing function string as an MLM processing expression (signature to description)."""
    if not isinstance(value, str) or not value.strip():
        return None
    m = re.match(r"^\s*([A-Za-z_][\w.]*(?::[A-Za-z_][\w.]*)?)\s*(\(.*)$", value, re.S)
    if m:
        return {"format": "python", "expression": m[1], "description": f"signature: {m[2].strip()}"}
    return {"format": "python", "expression": value.strip()}


def class_name(label: str, value: int) -> str:
    """A classification ``name`` (``^[0-9A-Za-z-_]+$``) from a free label."""
    name = re.sub(r"[^0-9A-Za-z_-]+", "_", label.strip()).strip("_")
    return name or f"class_{value}"


def _class_value(key: Any) -> int | None:
    if isinstance(key, bool):
        return None
    if isinstance(key, int):
        return key
    if isinstance(key, str):
        k = key.strip()
        if k[:2].upper() == "I_":
            k = k[2:]
        if re.fullmatch(r"-?\d+", k):
            return int(k)
    return None


# -- repairs (listed at the top of the dlm edges) ----------------------------------------------------------------
@transform("dlm.repair_assets_list", reads=("assets[]",), writes=("assets",))
def repair_assets_list(ctx: Ctx) -> None:
    """`assets` written as a list of single-key objects becomes the STAC asset object (suffix -2 on key clashes)."""
    assets = ctx.get(("assets",))
    if not isinstance(assets, list):
        return
    new: dict[str, Any] = {}
    plan: list[tuple[Path, str | None, str | None]] = []
    for i, element in enumerate(assets):
        here = ("assets", str(i))
        if isinstance(element, dict) and element and "href" not in element and all(
                isinstance(v, dict) for v in element.values()):
            for k, asset in element.items():
                key = _free_key(new, k)
                new[key] = asset
                plan.append((here + (k,), key, k))
        elif isinstance(element, dict) and "href" in element:
            key = _free_key(new, str(element.get("name") or element.get("title") or f"asset-{i + 1}"))
            new[key] = element
            plan.append((here, key, None))
        else:
            plan.append((here, None, None))
    ctx.put(("assets",), new)
    why = "assets must be an object keyed by asset name, not a list"
    for src, key, orig in plan:
        if key is None:
            ctx.dropped(src, "element of the assets list is not an asset")
        elif orig is not None and key != orig:
            ctx.repaired([src], [("assets", key)], f"{why}; key {orig!r} was taken, renamed {key!r}")
        elif orig is None:
            ctx.repaired([src], [("assets", key)], f"{why}; an unnamed asset was keyed {key!r}")
        else:
            ctx.repaired([src], [("assets", key)], why)
    if not assets:
        ctx.repaired([("assets",)], [("assets",)], "empty assets list became an empty object")


@transform("dlm.repair_asset_roles", reads=("assets.*.role",), writes=("assets.*.roles",))
def repair_asset_roles(ctx: Ctx) -> None:
    """An asset `role` (singular, string or list) becomes the STAC `roles` list (a `roles` string is wrapped in a
    list by the rule before)."""
    assets = ctx.get(("assets",))
    if not isinstance(assets, dict):
        return
    for key, asset in assets.items():
        if not isinstance(asset, dict):
            continue
        here = ("assets", key)
        roles = asset.get("roles")
        if "roles" in asset and not isinstance(roles, list):
            ctx.remove(here + ("roles",), f"roles {roles!r} is not a list of strings")
        if "role" not in asset:
            continue
        role = asset["role"]
        why = "STAC asset roles are a list named roles, not role"
        if "roles" not in asset:
            rename_key(asset, "role", "roles")
            if isinstance(role, list):
                ctx.repaired([here + ("role",)], [here + ("roles",)], why)
            else:
                asset["roles"] = [role]
                ctx.repaired([here + ("role",)], [here + ("roles", "0")], why)
            continue
        roles = asset["roles"] if isinstance(asset["roles"], list) else None
        items = role if isinstance(role, list) else [role]
        srcs = [here + ("role", str(j)) for j in range(len(items))] if isinstance(role, list) else [here + ("role",)]
        asset.pop("role")
        for src, r in zip(srcs, items, strict=True):
            if roles is None:
                ctx.dropped(src, "roles is not a list; role ignored")
            elif r in roles:
                ctx.dropped(src, "role repeated in roles")
            else:
                roles.append(r)
                ctx.repaired([src], [here + ("roles", str(len(roles) - 1))], why)
        if isinstance(role, list) and not role:
            ctx.dropped(here + ("role",), "empty role list")


def _rings(geometry: Any, base: Path) -> Iterable[tuple[Path, list[Any]]]:
    if not isinstance(geometry, dict):
        return
    coords = geometry.get("coordinates")
    if geometry.get("type") == "Polygon" and isinstance(coords, list):
        for i, ring in enumerate(coords):
            if isinstance(ring, list):
                yield base + ("coordinates", str(i)), ring
    elif geometry.get("type") == "MultiPolygon" and isinstance(coords, list):
        for i, poly in enumerate(coords):
            for j, ring in enumerate(poly if isinstance(poly, list) else []):
                if isinstance(ring, list):
                    yield base + ("coordinates", str(i), str(j)), ring


@transform("dlm.repair_polygon_rings", reads=("geometry.coordinates",), writes=("geometry.coordinates",))
def repair_polygon_rings(ctx: Ctx) -> None:
    """An unclosed polygon ring is closed by repeating its first position at the end."""
    for path, ring in _rings(ctx.get(("geometry",)), ("geometry",)):
        if len(ring) >= 3 and ring[0] != ring[-1]:
            ring.append(copy.deepcopy(ring[0]))
            ctx.repaired([path + ("0",)], [path + ("0",), path + (str(len(ring) - 1),)],
                         "polygon ring not closed; its first position repeated at the end (check that the "
                         "polygon does not cross itself)")


# dlm fields the schemas type as strings that files give as numbers.
@transform("dlm.repair_provider_roles", reads=("properties.providers[].roles",),
           writes=("properties.providers[].roles",))
def repair_provider_roles(ctx: Ctx) -> None:
    """Free-text provider roles ("image licensor") become the STAC role enum; the wording is lost."""
    providers = ctx.get(P + ("providers",))
    if not isinstance(providers, list):
        return
    words = table("provider_role_words")
    for i, provider in enumerate(providers):
        roles = provider.get("roles") if isinstance(provider, dict) else None
        if not isinstance(roles, list) or all(r in PROVIDER_ROLES for r in roles):
            continue
        path = P + ("providers", str(i), "roles")
        new: list[Any] = []
        origin: dict[int, tuple[int | None, str, str | None]] = {}
        for j, role in enumerate(roles):
            target = role if role in PROVIDER_ROLES else None
            if target is None and isinstance(role, str):
                found = sorted((role.lower().find(w), w) for w in words if w in role.lower())
                target = words[found[0][1]] if found else None
            if target is None:
                origin[j] = (None, "dropped", f"provider role {role!r} is not a STAC role")
                continue
            if target not in new:
                new.append(target)
            status = "kept" if target == role else "lossy"
            reason = None if target == role else f"provider role {role!r} is not a STAC role; repaired to {target!r}"
            origin[j] = (new.index(target), status, reason)
        _replace_list(ctx, path, new, origin)


def _replace_list(ctx: Ctx, path: Path, new: list[Any], origin: dict[int, tuple[int | None, str, str | None]]
                  ) -> None:
    """Replace the list at ``path``; ``origin[i]`` = (new index or None, status, reason) for old element i."""
    old = ctx.get(path) or []
    parking = ("\0dlm",) + path
    for i in range(len(old)):
        ctx.account(path + (str(i),), [parking + (str(i),)], "kept")
    ctx.put(path, new)
    for i in range(len(old)):
        j, status, reason = origin.get(i, (None, "dropped", "removed"))
        if j is None:
            ctx.account(parking + (str(i),), [], "dropped", reason)
        else:
            if status == "kept" and j != i:
                status = "moved"
            ctx.account(parking + (str(i),), [path + (str(j),)], status, reason)


@transform("dlm.repair_eo_bands",
           reads=("properties.eo:bands[].common_name", "properties.eo:bands[].center_wavelength",
                  "properties.bands[].eo:common_name", "properties.bands[].eo:center_wavelength"),
           writes=("same",))
def repair_eo_bands(ctx: Ctx) -> None:
    """eo common names outside the eo v1.1.0 enum ("pancro" -> "pan"); wavelengths above 100 read as nm -> µm."""
    names = table("eo_common_names")
    hosts: list[tuple[Path, str, str, str]] = [(P, "eo:bands", "common_name", "center_wavelength"),
                                               (P, "bands", "eo:common_name", "eo:center_wavelength")]
    for akey, asset in (ctx.get(("assets",)) or {}).items() if isinstance(ctx.get(("assets",)), dict) else []:
        if isinstance(asset, dict):
            hosts.append((("assets", akey), "eo:bands", "common_name", "center_wavelength"))
            hosts.append((("assets", akey), "bands", "eo:common_name", "eo:center_wavelength"))
    for host, key, cn, cw in hosts:
        bands = ctx.get(host + (key,))
        if not isinstance(bands, list):
            continue
        for i, band in enumerate(bands):
            if not isinstance(band, dict):
                continue
            here = host + (key, str(i))
            common = band.get(cn)
            if isinstance(common, str) and common not in EO_COMMON_NAMES:
                fixed = names.get(common.strip().lower())
                if fixed is None and common.strip().lower() in EO_COMMON_NAMES:
                    fixed = common.strip().lower()
                if fixed:
                    band[cn] = fixed
                    ctx.repaired([here + (cn,)], [here + (cn,)], f"{common!r} is not an eo common name; {fixed!r}")
                else:
                    ctx.remove(here + (cn,), f"{common!r} is not an eo v1.1.0 common name")
            wave = band.get(cw)
            if _number(wave) and wave > 100:
                band[cw] = wave / 1000
                ctx.repaired([here + (cw,)], [here + (cw,)],
                             f"{wave} read as nanometres (eo wants micrometres; values above 100 taken as nm)")
                fwhm = band.get("full_width_half_max" if cw == "center_wavelength" else "eo:full_width_half_max")
                fkey = "full_width_half_max" if cw == "center_wavelength" else "eo:full_width_half_max"
                if _number(fwhm) and fwhm > 1:
                    band[fkey] = fwhm / 1000
                    ctx.repaired([here + (fkey,)], [here + (fkey,)],
                                 f"{fwhm} read as nanometres like the centre wavelength")


# -- dlm-beta -> current-dlm conveniences ------------------------------------------------------------------------
@transform("dlm.drop_nulls", reads=("properties.dlm:*",), writes=("properties.dlm:*",))
def drop_nulls(ctx: Ctx) -> None:
    """null members of the dlm objects (unset fields) are dropped; `pretrained: null` is kept for dlm.architecture.

    An object or list that held nothing but nulls is dropped with them (`dont_care_index: [null]` is as unset
    as `null`): left behind empty, it would be a value no source field accounts for."""
    props = _props(ctx)
    if props is None:
        return
    why = "null in the source (field not set)"
    for key in [k for k in props if k.startswith("dlm:")]:
        top = P + (key,)
        found = [p for p, v in leaves(props[key], top) if v is None and p[-1] != "pretrained"]
        for path in reversed(found):
            ctx.remove(path, why)
            parent = path[:-1]
            while len(parent) > len(top) and ctx.get(parent) in ({}, []):
                ctx.remove(parent, why)
                parent = parent[:-1]


@transform("dlm.process_level", reads=("properties.dlm:data.process_level", "properties.processing:level"),
           writes=("properties.processing:level", "stac_extensions"))
def process_level(ctx: Ctx) -> None:
    """dlm:data.process_level becomes processing:level (it describes the data the model expects, so it wins)."""
    props = _props(ctx)
    data = props.get("dlm:data") if props else None
    if not isinstance(data, dict) or "process_level" not in data:
        return
    src = P + ("dlm:data", "process_level")
    dst = P + ("processing:level",)
    value = data.pop("process_level")
    if "processing:level" in props:
        if props["processing:level"] == value:
            ctx.moved(src, dst, "same value as the item's processing:level")
            return
        ctx.remove(dst, f"replaced by dlm:data.process_level {value!r}, the level of the data the model expects")
    props["processing:level"] = value
    ctx.moved(src, dst)
    _add_extension(ctx, PROCESSING)


@transform("dlm.item_examples", reads=("properties.dlm:data.item_examples",), writes=("links",))
def item_examples(ctx: Ctx) -> None:
    """dlm:data.item_examples become rel=related links (their "compatible example data" meaning is lost)."""
    props = _props(ctx)
    data = props.get("dlm:data") if props else None
    examples = data.get("item_examples") if isinstance(data, dict) else None
    links = ctx.get(("links",))
    if not isinstance(examples, list) or not examples or not isinstance(links, list):  # the mapping makes links
        return
    base = P + ("dlm:data", "item_examples")
    kept: list[Any] = []
    for i, ex in enumerate(examples):
        here = base + (str(i),)
        url = ex.get("url") if isinstance(ex, dict) else None
        if not isinstance(url, str):
            kept.append(ex)
            continue
        link = {"rel": "related", "href": url}
        k = len(links)
        dst = ("links", str(k))
        ctx.account(here + ("url",), [dst], "lossy", "example item became a rel=related link (the 'compatible "
                    "example data' meaning has no link relation)")
        if isinstance(ex.get("title"), str):
            link["title"] = ex["title"]
            ctx.account(here + ("title",), [dst + ("title",)], "moved")
        link_type = "application/geo+json" if url.lower().endswith(".json") else None
        links.append(link)
        for other in ex:
            if other not in ("url", "title"):
                ctx.dropped(here + (other,), f"item_examples field {other!r} has no link counterpart")
        if link_type:
            link["type"] = link_type
            ctx.created(dst + ("type",), "invented", "a .json example is assumed to be a STAC Item")
    data["item_examples"] = kept
    if not kept:
        data.pop("item_examples")


# -- inputs ---------------------------------------------------------------------------------------------------
_TENSOR_ORDER = ("batch", "time", "channels", "channel", "dim", "bands", "height", "width")
_CHANNEL_KEYS = ("channels", "channel", "dim", "bands")


def _tensors(value: Any) -> list[tuple[Path, dict[str, Any]]]:
    if isinstance(value, dict):
        return [((), value)] if value else []
    if isinstance(value, list):
        return [((str(i),), t) for i, t in enumerate(value) if isinstance(t, dict) and t]
    return []


def _dim_name(key: str, named_bands: bool) -> str:
    if key in _CHANNEL_KEYS:
        return "bands" if named_bands else "channel"
    name = re.sub(r"[^a-z_-]", "", key.lower())
    return name or "dim"


def _input_bands(ctx: Ctx, props: dict[str, Any], inp: dict[str, Any], base: Path, dsts: list[Path]) -> list[str]:
    """Band names for mlm:input[].bands (``dsts``: the bands lists written, one per input entry)."""
    defs = _band_defs(props)
    data = props.get("dlm:data") if isinstance(props.get("dlm:data"), dict) else {}
    useful = data.get("useful_bands") if isinstance(data.get("useful_bands"), list) else None
    selected = inp.get("selected_bands")
    names: list[str] = []
    if isinstance(inp.get("band_names"), list):  # current dlm
        for j, name in enumerate(inp["band_names"]):
            resolved, how = resolve_band(name, defs)
            src = base + ("band_names", str(j))
            if not isinstance(resolved, str):
                ctx.dropped(src, "band name is not a string")
                continue
            names.append(resolved)
            ctx.account(src, [d + (str(len(names) - 1),) for d in dsts], "transformed" if how else "moved", how)
        inp.pop("band_names")
        return names
    eo = [b for b in props.get("eo:bands") or [] if isinstance(b, dict)] if isinstance(props.get("eo:bands"),
                                                                                       list) else []
    sel = [s for s in selected if isinstance(s, int) and not isinstance(s, bool)] if isinstance(selected,
                                                                                               list) else []
    named_useful = [(j, u) for j, u in enumerate(useful or []) if isinstance(u, dict) and isinstance(
        u.get("name"), str)]
    if named_useful:
        ubase = P + ("dlm:data", "useful_bands")
        for j, u in named_useful:
            resolved, how = resolve_band(u["name"], defs)
            names.append(resolved)
            here = ubase + (str(j),)
            targets = [d + (str(len(names) - 1),) for d in dsts]
            ctx.account(here + ("name",), targets, "transformed" if how else "moved", how)
            if "index" in u:
                ctx.account(here + ("index",), targets, "lossy",
                          "the band's index in the source file has no MLM field")
            u.pop("name")
            u.pop("index", None)
        if isinstance(selected, list):
            readings = [f"useful_bands names {names}"]
            if eo:
                readings.append("positions in eo:bands " + str(
                    [eo[i].get("name") if 0 <= i < len(eo) else "out of range" for i in sel]))
            readings.append("positions in useful_bands " + str(
                [names[i] if 0 <= i < len(names) else "out of range" for i in sel]))
            reason = (f"selected_bands {selected} is ambiguous ({'; '.join(readings)}); the explicit useful_bands "
                      "names were used")
            if len(sel) != len(names):
                reason += f" ({len(sel)} indices for {len(names)} named bands)"
            if selected and len(selected) > len(names):  # an index past the named bands has no band to go to
                for k in range(len(selected)):
                    ctx.account(base + ("selected_bands", str(k)),
                              [d + (str(k),) for d in dsts] if k < len(names) else [], "lossy", reason)
            else:
                ctx.account(base + ("selected_bands",), dsts, "lossy", reason)
            inp.pop("selected_bands")
    elif sel and eo:
        for i in sel:
            name = eo[i].get("name") if 0 <= i < len(eo) else None
            names.append(name if isinstance(name, str) else f"band-{i}")
        ctx.account(base + ("selected_bands",), dsts, "lossy",
                  f"selected_bands {selected} read as positions in eo:bands (they may also index the source file)")
        inp.pop("selected_bands")
    elif sel:
        names = [f"band-{i}" for i in sel]
        ctx.account(base + ("selected_bands",), dsts, "lossy",
                  f"selected_bands {selected} name no bands (no useful_bands or eo:bands); named band-<index>")
        inp.pop("selected_bands")
    return names


def _as_list(value: Any) -> list[Any] | None:
    if _number(value):
        return [value]
    if isinstance(value, list) and value and all(_number(v) for v in value):
        return value
    return None


def _value_scaling(ctx: Ctx, inp: dict[str, Any], base: Path, nbands: int, dsts: list[Path]
                   ) -> list[dict[str, Any]] | None:
    """value_scaling from scaling_factor and mean/std: z-score mean/s, std/s; s alone -> scale 1/s."""
    skey = "scaling_factor" if "scaling_factor" in inp else None
    mkey = _first_key(inp, "normalization:mean", "mean")
    dkey = _first_key(inp, "normalization:std", "std")
    if not (skey or mkey or dkey):
        return None
    s = _as_list(inp.get(skey)) if skey else [1]
    mean = _as_list(inp.get(mkey)) if mkey else None
    std = _as_list(inp.get(dkey)) if dkey else None
    present = [k for k in (skey, mkey, dkey) if k]

    def fail(why: str) -> None:
        for k in present:
            ctx.dropped(base + (k,), why)
        _pop_all(inp, present)

    if s is None or any(v <= 0 for v in s):
        fail(f"scaling_factor {inp.get(skey)!r} is not a positive number (or list of them); no value_scaling")
        return None
    if (mkey is None) != (dkey is None) or (mkey and (mean is None or std is None)):
        fail("mean and std must both be numbers or lists of numbers; no value_scaling written")
        return None
    identity: list[str] = []  # mean 0 and std 1: nothing to fold, only scaling_factor applies
    if mean is not None and all(m == 0 for m in mean) and all(d == 1 for d in std):
        if skey is None:
            for k in (mkey, dkey):
                ctx.dropped(base + (k,), "mean 0 and std 1 leave the data unchanged: no value_scaling needed")
            _pop_all(inp, present)
            return None
        identity = [mkey, dkey]
        mean = std = None
    lengths = {len(s)} if mean is None else {len(s), len(mean), len(std)} - {1}
    if len(lengths) > 1 or (nbands and lengths and next(iter(lengths)) not in (1, nbands)):
        fail(f"normalisation lists of lengths {sorted({len(x) for x in (s, mean or s, std or s)})} do not match "
             f"each other or the {nbands} bands; no value_scaling written (never padded or truncated)")
        return None
    if mean is not None and any(d <= 0 for d in std):
        fail("a std is not positive (division by zero); no value_scaling written")
        return None
    n = max(lengths) if lengths else 1

    def pick(values: list[Any], i: int) -> Any:
        return values[0] if len(values) == 1 else values[i]

    out = [{"type": "scale", "value": 1 / pick(s, i)} if mean is None else
           {"type": "z-score", "mean": pick(mean, i) / pick(s, i), "stddev": pick(std, i) / pick(s, i)}
           for i in range(n)]
    for k in identity:
        ctx.account(base + (k,), dsts, "transformed", "mean 0 and std 1 leave the data unchanged; only "
                    "scaling_factor is applied")

    def fold(key: str, values: list[Any], fields: tuple[tuple[str, ...], ...], status: str, why: str | None
             ) -> None:
        """Each value of ``key`` (one value: all of them) to ``fields`` of the value_scaling objects it makes."""
        if isinstance(inp[key], list) and len(values) > 1:
            parts = [(base + (key, str(i)), [i]) for i in range(n)]
        else:
            parts = [(base + (key,) + (("0",) if isinstance(inp[key], list) else ()), list(range(n)))]
        for src, items in parts:
            ctx.account(src, [d + (str(i),) + f for d in dsts for i in items for f in fields], status, why)

    if skey:
        fold(skey, s, ((),), "transformed", "scale by 1/scaling_factor (MLM scale divides)" if mean is None else
             "scaling_factor folded into the z-score: mean/scaling_factor, std/scaling_factor")
    if mean is not None:
        fold(mkey, mean, (("mean",),) if skey else (("mean",), ("type",)), "transformed",
             "folded with scaling_factor: mean_i / scaling_factor" if skey else "mean and std became a z-score")
        fold(dkey, std, (("stddev",),), "transformed" if skey else "moved",
             "folded with scaling_factor: std_i / scaling_factor" if skey else None)
    _pop_all(inp, present)
    return out


@transform("dlm.inputs",
           reads=("properties.dlm:inputs", "properties.dlm:input", "properties.dlm:data.useful_bands",
                  "properties.eo:bands", "properties.bands"),
           writes=("properties.mlm:input",))
def inputs(ctx: Ctx) -> None:
    """dlm:inputs / dlm:input become mlm:input (input_tensors, bands, normalisation folded into value_scaling).

    Shape and dim_order come from input_tensors; bands from the useful_bands names (selected_bands is ambiguous,
    reported lossy) or band_names; scaling_factor with mean/std folds exactly into z-score (mean/s, std/s), and
    scaling_factor alone becomes scale 1/s."""
    props = _props(ctx)
    if props is None:
        return
    key = _first_key(props, "dlm:inputs", "dlm:input")
    value = props.get(key) if key else None
    items = ([(P + (key,), value)] if isinstance(value, dict) else
             [(P + (key, str(i)), v) for i, v in enumerate(value) if isinstance(v, dict)] if isinstance(value, list)
             else [])
    if not items:  # nothing usable: dlm.leftovers drops it (and the mapping invents a placeholder input)
        return
    out = props.get("mlm:input")
    if not isinstance(out, list):
        if "mlm:input" in props:
            ctx.remove(P + ("mlm:input",), "not a list; replaced by the dlm input")
        props["mlm:input"] = out = []
    data = props.get("dlm:data") if isinstance(props.get("dlm:data"), dict) else {}
    for base, inp in items:
        tensors = _tensors(inp.get("input_tensors"))
        count = max(len(tensors), 1)
        start = len(out)
        entries = [P + ("mlm:input", str(start + k)) for k in range(count)]
        name = inp.get("name") if isinstance(inp.get("name"), str) and inp.get("name") else None
        names = _input_bands(ctx, props, inp, base, [e + ("bands",) for e in entries])
        scaling = _value_scaling(ctx, inp, base, len(names), [e + ("value_scaling",) for e in entries])
        pre = inp.get("pre_processing_function")
        pre_out: Any = None
        if "pre_processing_function" in inp:
            if isinstance(pre, list) and pre and all(expression(p) for p in pre):
                pre_out = [expression(p) for p in pre]
            else:
                pre_out = expression(pre)
            if pre_out is None:
                ctx.dropped(base + ("pre_processing_function",), "not a function name")
            else:
                ctx.account(base + ("pre_processing_function",), [e + ("pre_processing_function",) for e in entries],
                          "transformed", "became a python processing expression (signature kept as description)")
            inp.pop("pre_processing_function")
        inventions: list[tuple[Path, Any, str]] = []
        for k in range(count):
            entry: dict[str, Any] = {}
            epath = entries[k]
            entry["name"] = (name if count == 1 else f"{name or 'input'}_{k}") if name else (
                "input" if count == 1 else f"input_{k}")
            if name and k == 0:  # one name for every entry made from this input
                ctx.account(base + ("name",), [e + ("name",) for e in entries], "moved" if count == 1 else
                            "transformed", None if count == 1 else "one input per tensor, numbered")
            elif not name:
                inventions.append((epath + ("name",), entry["name"], "the dlm input has no name"))
            entry["bands"] = list(names)
            if not names:
                inventions.append((epath + ("bands",), [], "no bands referenced by the dlm input"))
            struct: dict[str, Any] = {"shape": [], "dim_order": []}
            if tensors:
                tpath, tensor = tensors[k]
                tbase = base + ("input_tensors",) + tpath
                keys = [d for d in _TENSOR_ORDER if d in tensor] + [d for d in tensor if d not in _TENSOR_ORDER]
                for d in keys:
                    size = tensor[d]
                    dim = _dim_name(d, bool(names))
                    if dim in struct["dim_order"]:
                        ctx.dropped(tbase + (d,), f"second {dim!r} dimension")
                        continue
                    idx = len(struct["shape"])
                    ok = isinstance(size, int) and not isinstance(size, bool) and size >= -1
                    struct["shape"].append(size if ok else -1)
                    struct["dim_order"].append(dim)
                    why = f"input_tensors.{d} became dimension {idx} named {dim!r}"
                    if d in _CHANNEL_KEYS and names and ok and size != len(names):
                        why += f" (note: {size} channels but {len(names)} bands)"
                    if not ok:
                        why = f"input_tensors.{d} {size!r} is not a size; -1 (variable) written"
                    ctx.account(tbase + (d,), [epath + ("input", "shape", str(idx)),
                                             epath + ("input", "dim_order", str(idx))],
                              "transformed" if ok else "lossy", why)
            else:
                struct = ({"shape": [-1, len(names), -1, -1], "dim_order": ["batch", "bands", "height", "width"]}
                          if names else {"shape": [-1], "dim_order": ["batch"]})
                inventions.append((epath + ("input", "shape"), struct["shape"], "no input_tensors; sizes unknown"))
                inventions.append((epath + ("input", "dim_order"), struct["dim_order"], "no input_tensors"))
            dtype_key = _first_key(data, "data_type", "dtype")
            mapped = _numpy_type(data.get(dtype_key)) if dtype_key else None
            if scaling is None and mapped:
                struct["data_type"] = mapped[0]
                inventions.append((epath + ("input", "data_type"), mapped[0],
                                   f"the model's tensor type is taken to be the source data type {data[dtype_key]!r} "
                                   "(no scaling is applied)"))
            else:
                struct["data_type"] = "float32"
                inventions.append((epath + ("input", "data_type"), "float32",
                                   "no source; float32 assumed" + (" (scaling is applied)" if scaling else "")))
            entry["input"] = struct
            if scaling is not None:
                entry["value_scaling"] = copy.deepcopy(scaling)
            if pre_out is not None:
                entry["pre_processing_function"] = copy.deepcopy(pre_out)
            out.append(entry)
        if tensors:
            inp.pop("input_tensors")
        elif "input_tensors" in inp:
            ctx.dropped(base + ("input_tensors",), "input_tensors is not a (non-empty) object or list of objects")
            inp.pop("input_tensors")
        if name:
            inp.pop("name")
        for path, val, why in inventions:
            ctx.invent(path, val, why)


def _numpy_type(value: Any) -> tuple[str, str | None] | None:
    """(raster data_type, lossy reason) for a numpy dtype name; None if unknown."""
    if not isinstance(value, str):
        return None
    entry = table("numpy_data_types").get(value.strip().lower())
    if entry is None:
        return None
    if isinstance(entry, dict):
        return entry["value"], entry.get("lossy")
    return entry, None


# -- outputs --------------------------------------------------------------------------------------------------
def _classes(mapping: Any, base: Path) -> tuple[list[tuple[int, str, list[tuple[Path, str]]]], list[Path], str | None]:
    """(value, label, [(source leaf, role)]) per class; unusable leaves; lossy note. Role: 'all', 'value', 'label'."""
    found: list[tuple[int | None, Any, list[tuple[Path, str]]]] = []
    bad: list[Path] = []
    if isinstance(mapping, dict):
        for k, label in mapping.items():
            found.append((_class_value(k), label, [(base + (k,), "all")]))
    elif isinstance(mapping, list):
        for i, el in enumerate(mapping):
            here = base + (str(i),)
            if isinstance(el, dict) and ("index" in el or "class_name" in el):
                srcs = [(here + ("index",), "value")] if "index" in el else []
                srcs += [(here + ("class_name",), "label")] if "class_name" in el else []
                for other in el:
                    if other not in ("index", "class_name"):
                        bad.append(here + (other,))
                found.append((_class_value(el.get("index")), el.get("class_name"), srcs))
            elif isinstance(el, dict):
                for k, label in el.items():
                    found.append((_class_value(k), label, [(here + (k,), "all")]))
                if not el:
                    bad.append(here)
            elif isinstance(el, str):
                found.append((None, el, [(here, "all")]))
            else:
                bad.append(here)
    note = None
    if any(v is None for v, _, _ in found):
        note = "a class key is not an integer; the class value is its position"
    fixed = []
    for i, (v, label, srcs) in enumerate(found):
        if not isinstance(label, str):
            note = note or "a class has no name; described as 'class <value>'"
        if v is None or not isinstance(label, str):  # the remaining source stands for the whole class
            srcs = [(p, "all") for p, _ in srcs]
            if not srcs:
                continue
        fixed.append((i if v is None else v, label, srcs))
    out = [(v, label if isinstance(label, str) else f"class {v}", srcs) for v, label, srcs in fixed]
    return sorted(out, key=lambda c: c[0]), bad, note


def _result_dims(shape: list[Any], task: str | None, nclasses: int) -> tuple[list[str], str]:
    rank = len(shape)
    classy = task in CLASS_TASKS or nclasses > 0
    axis = "score" if task == "regression" else "class"
    why = f"rank {rank} read as "
    if rank in (2, 4, 5) and axis == "class" and nclasses and isinstance(shape[1 if rank < 5 else 2], int) and \
            shape[1 if rank < 5 else 2] not in (nclasses, -1):
        c = shape[1 if rank < 5 else 2]
        axis = "channel"
        why = (f"{nclasses} classes but {c} output channels (a dont-care class or a binary output has no channel "
               f"of its own), so the axis is named 'channel' not 'class'; rank {rank} read as ")
    elif not classy and axis == "class":
        axis = "channel"
    if rank == 4:
        dims = ["batch", axis, "height", "width"]
    elif rank == 2:
        dims = ["batch", axis]
    elif rank == 5:
        dims = ["batch", "time", axis, "height", "width"]
    elif rank == 3:
        dims = ["batch", "height", "width"]
    elif rank == 1:
        dims = ["batch"]
    else:
        dims = ["batch"] + ["dim-" + chr(ord("a") + i) for i in range(rank - 1)]
    return dims, why + str(dims)


@transform("dlm.outputs", reads=("properties.dlm:outputs", "properties.dlm:output"),
           writes=("properties.mlm:tasks", "properties.mlm:output", "properties.mlm:hyperparameters"))
def outputs(ctx: Ctx) -> None:
    """dlm:outputs / dlm:output become mlm:tasks and mlm:output (result shape, classes, hyperparameters).

    The task is mapped to the MLM enum, final_layer_size becomes result.shape with an inferred dim_order,
    class_name_mapping (every form) becomes classification:classes, dont_care_index a hyperparameter."""
    props = _props(ctx)
    if props is None:
        return
    key = _first_key(props, "dlm:outputs", "dlm:output")
    value = props.get(key) if key else None
    items = ([(P + (key,), value)] if isinstance(value, dict) else
             [(P + (key, str(i)), v) for i, v in enumerate(value) if isinstance(v, dict)] if isinstance(value, list)
             else [])
    if not items:  # the mapping invents a placeholder output
        return
    out = props.get("mlm:output")
    if not isinstance(out, list):
        if "mlm:output" in props:
            ctx.remove(P + ("mlm:output",), "not a list; replaced by the dlm output")
        props["mlm:output"] = out = []
    tasks_path = P + ("mlm:tasks",)
    if "mlm:tasks" in props and not isinstance(props["mlm:tasks"], list):
        ctx.remove(tasks_path, "not a list; replaced by the dlm task")
    new_tasks = "mlm:tasks" not in props
    if new_tasks:
        props["mlm:tasks"] = []
    item_tasks = props["mlm:tasks"]
    for base, o in items:
        inventions: list[tuple[Path, Any, str]] = []
        k = len(out)
        epath = P + ("mlm:output", str(k))
        entry: dict[str, Any] = {}
        # task
        task, lossy = None, None
        raw = o.get("task")
        if "task" in o:
            task, lossy = task_for(raw)
            if task is None and isinstance(raw, str):
                extra = table("dlm_tasks").get(_key_norm(raw))
                if isinstance(extra, dict):
                    task, lossy = extra.get("value"), extra.get("lossy")
                else:
                    task = extra
            o.pop("task")
            if task:
                where = [epath + ("tasks", "0")]
                if task not in item_tasks:
                    item_tasks.append(task)
                    where.append(tasks_path + (str(len(item_tasks) - 1),))
                else:
                    where.append(tasks_path + (str(item_tasks.index(task)),))
                ctx.account(base + ("task",), where, "lossy" if lossy else "transformed",
                          lossy or f"task {raw!r} is the MLM task {task!r}")
            else:
                ctx.dropped(base + ("task",), f"task {raw!r} is not an MLM task (closed enum)")
        entry["name"] = task or "output"
        inventions.append((epath + ("name",), entry["name"], "dlm names no output; named after the task"
                           if task else "dlm names no output"))
        entry["tasks"] = [task] if task else []
        if not task:
            inventions.append((epath + ("tasks",), [], "no MLM task for this output"))
        # classes
        classes_out: list[dict[str, Any]] = []
        if "class_name_mapping" in o:
            cbase = base + ("class_name_mapping",)
            classes, bad, note = _classes(o["class_name_mapping"], cbase)
            for j, (v, label, srcs) in enumerate(classes):
                # classification v1.1.0 defines value, name, description (no title): the label, which the
                # cleaned name may not spell exactly, lives on whole in the description
                cls: dict[str, Any] = {"value": v, "name": class_name(label, v), "description": label}
                classes_out.append(cls)
                cpath = epath + ("classification:classes", str(j))
                for src, role in srcs:
                    if role == "value":
                        ctx.account(src, [cpath + ("value",)], "moved")
                    elif role == "label":
                        ctx.account(src, [cpath + (f,) for f in cls if f != "value"], "transformed",
                                  "class label became description and name (name cleaned to [0-9A-Za-z-_])")
                    else:
                        ctx.account(src, [cpath], "lossy" if note else "transformed", note or
                                  "class_name_mapping entry became a classification class (value from the key, "
                                  "the label as description and name)")
            for b in bad:
                ctx.dropped(b, "not a class entry")
            if not classes and not bad:
                ctx.dropped(cbase, "empty class_name_mapping")
            o.pop("class_name_mapping")
        nclasses = o.get("number_of_classes")
        if "number_of_classes" in o:
            n_ok = isinstance(nclasses, int) and not isinstance(nclasses, bool) and nclasses > 0
            if not classes_out and n_ok and (task in CLASS_TASKS):
                classes_out = [{"value": i, "name": f"class_{i}", "description": f"class {i}"}
                               for i in range(nclasses)]
                ctx.account(base + ("number_of_classes",), [epath + ("classification:classes",)], "lossy",
                          "no class names: classes class_0..class_{n-1} synthesised from number_of_classes")
            else:
                why = "implied by the class list and the class dimension of the result"
                if n_ok and classes_out and nclasses != len(classes_out):
                    why += f" (note: {nclasses} classes declared, {len(classes_out)} listed; all listed kept)"
                ctx.dropped(base + ("number_of_classes",), why)
            o.pop("number_of_classes")
        # result
        fls = o.get("final_layer_size")
        if isinstance(fls, list) and fls and all(isinstance(x, int) and not isinstance(x, bool) for x in fls):
            dims, why = _result_dims(fls, task, len(classes_out))
            entry["result"] = {"shape": list(fls), "dim_order": dims, "data_type": "float32"}
            ctx.account(base + ("final_layer_size",), [epath + ("result", "shape")], "moved")
            inventions.append((epath + ("result", "dim_order"), dims, f"no source; {why}"))
            o.pop("final_layer_size")
        else:
            if "final_layer_size" in o:
                ctx.dropped(base + ("final_layer_size",), f"final_layer_size {fls!r} is not a list of sizes")
                o.pop("final_layer_size")
            entry["result"] = {"shape": [-1], "dim_order": ["batch"], "data_type": "float32"}
            inventions.append((epath + ("result", "shape"), [-1], "no final_layer_size; size unknown"))
            inventions.append((epath + ("result", "dim_order"), ["batch"], "no final_layer_size"))
        inventions.append((epath + ("result", "data_type"), "float32", "no source; float32 assumed (logits/scores)"))
        if classes_out:
            entry["classification:classes"] = classes_out
        post = o.get("post_processing_function")
        if "post_processing_function" in o:
            if isinstance(post, list) and post and all(expression(p) for p in post):
                entry["post_processing_function"] = [expression(p) for p in post]
            elif expression(post):
                entry["post_processing_function"] = expression(post)
            if "post_processing_function" in entry:
                ctx.account(base + ("post_processing_function",), [epath + ("post_processing_function",)],
                          "transformed", "became a python processing expression (signature kept as description)")
            else:
                ctx.dropped(base + ("post_processing_function",), "not a function name")
            o.pop("post_processing_function")
        dont = o.get("dont_care_index")
        if "dont_care_index" in o:
            hyper = props.get("mlm:hyperparameters")
            if not isinstance(hyper, dict):
                if "mlm:hyperparameters" in props:
                    ctx.remove(P + ("mlm:hyperparameters",), "not an object; replaced")
                props["mlm:hyperparameters"] = hyper = {}
            if "dont_care_index" in hyper:
                ctx.dropped(base + ("dont_care_index",), "mlm:hyperparameters.dont_care_index already set")
            else:
                hyper["dont_care_index"] = dont
                ctx.account(base + ("dont_care_index",), [P + ("mlm:hyperparameters", "dont_care_index")], "moved",
                          "MLM has no dont-care field; kept as a hyperparameter")
            o.pop("dont_care_index")
        out.append(entry)
        for path, val, why in inventions:
            ctx.invent(path, val, why)
    if new_tasks and not item_tasks:
        ctx.created(tasks_path, "invented", "mlm:tasks is required; [] as no task maps")


# -- architecture -----------------------------------------------------------------------------------------------
@transform("dlm.architecture",
           reads=("properties.dlm:architecture.estimated_total_size_mb", "properties.dlm:architecture.ram_size_mb",
                  "properties.dlm:architecture.on_disk_size_mb", "properties.dlm:architecture.pretrained"),
           writes=("properties.mlm:memory_size", "assets.<model>.file:size", "properties.mlm:pretrained",
                   "properties.mlm:pretrained_source"))
def architecture(ctx: Ctx) -> None:
    """dlm:architecture sizes in MB become bytes (mlm:memory_size, file:size); pretrained becomes mlm:pretrained*.

    Bytes are round(MB x 1048576); `pretrained` gives mlm:pretrained and mlm:pretrained_source (null when the
    model was trained from scratch)."""
    props = _props(ctx)
    arch = props.get("dlm:architecture") if props else None
    if not isinstance(arch, dict):
        return
    base = P + ("dlm:architecture",)
    for key, why in (("estimated_total_size_mb", "torchsummary's 'Estimated Total Size (MB)' is in MiB and "
                      "includes the forward/backward pass of one input size, not only inference memory"),
                     ("ram_size_mb", "MB read as MiB (the dlm README does not say which)")):
        if key not in arch:
            continue
        mb = arch.pop(key)
        if not _number(mb) or mb < 0:
            ctx.dropped(base + (key,), f"{key} {mb!r} is not a size")
        elif "mlm:memory_size" in props:
            ctx.dropped(base + (key,), "mlm:memory_size already set")
        else:
            props["mlm:memory_size"] = round(mb * MIB)
            ctx.lossy([base + (key,)], [P + ("mlm:memory_size",)], f"MB x 1048576 rounded to bytes; {why}")
    if "on_disk_size_mb" in arch:
        mb = arch.pop("on_disk_size_mb")
        models = model_assets(ctx.doc)
        if not _number(mb) or mb < 0:
            ctx.dropped(base + ("on_disk_size_mb",), f"on_disk_size_mb {mb!r} is not a size")
        elif not models:
            ctx.dropped(base + ("on_disk_size_mb",), "no model asset to carry file:size")
        else:
            dsts = []
            for m in models:
                ctx.get(("assets", m))["file:size"] = round(mb * MIB)
                dsts.append(("assets", m, "file:size"))
            ctx.lossy([base + ("on_disk_size_mb",)], dsts,
                      "MB x 1048576 rounded to bytes (MB read as MiB; the dlm README does not say which)")
            _add_extension(ctx, FILE)
    if "pretrained" in arch and "mlm:pretrained" not in props:
        value = arch.pop("pretrained")
        src = base + ("pretrained",)
        none = table("pretrained_none")
        if isinstance(value, bool):
            props["mlm:pretrained"] = value
            if not value:
                props["mlm:pretrained_source"] = None
                ctx.transformed([src], [P + ("mlm:pretrained",), P + ("mlm:pretrained_source",)],
                                "false: trained from scratch (pretrained_source null)")
            else:
                ctx.moved(src, P + ("mlm:pretrained",))
        elif value is None or (isinstance(value, str) and value.strip().lower() in none):
            props["mlm:pretrained"] = False
            props["mlm:pretrained_source"] = None
            ctx.transformed([src], [P + ("mlm:pretrained",), P + ("mlm:pretrained_source",)],
                            f"pretrained {value!r} read as trained from scratch (mlm:pretrained false, source null)")
        else:
            props["mlm:pretrained"] = True
            props["mlm:pretrained_source"] = str(value)
            ctx.transformed([src], [P + ("mlm:pretrained",), P + ("mlm:pretrained_source",)],
                            "the pretraining source: mlm:pretrained true and mlm:pretrained_source")


# -- runtime ----------------------------------------------------------------------------------------------------
def _forge(url: str) -> bool:
    return any(f"//{host}/" in url or f"//www.{host}/" in url for host in FORGES)


@transform("dlm.runtime",
           reads=("properties.dlm:runtime",),
           writes=("properties.mlm:framework_version", "properties.mlm:accelerator",
                   # asset keys get -2, -3... when taken:
                   "assets.{mlm:source_code,mlm:container,dockerfile,requirements,model}*"))
def runtime(ctx: Ctx) -> None:
    """dlm:runtime becomes mlm:framework_version (SemVer) and the source-code, container and model assets.

    model_src_url (+commit) and model_handler make a source-code asset with mlm:entrypoint; docker a container
    asset, a Dockerfile asset and mlm:accelerator; requirement_file and model_artifact assets (the mapping copies
    instance_suggestion to mlm:accelerator_summary)."""
    props = _props(ctx)
    rt = props.get("dlm:runtime") if props else None
    if not isinstance(rt, dict):
        return
    base = P + ("dlm:runtime",)
    _framework_version(ctx, props, rt, base)
    assets = _assets(ctx)
    if assets is None:
        return
    _source_code(ctx, rt, base, assets)
    if isinstance(rt.get("requirement_file"), str):
        key = _free_key(assets, "requirements")
        assets[key] = {"href": rt.pop("requirement_file"), "type": "text/plain", "roles": ["metadata"]}
        ctx.transformed([base + ("requirement_file",)], [("assets", key, "href")],
                        "became a plain asset (MLM has no requirements field)")
        ctx.created(("assets", key, "type"), "invented", "a requirements file is assumed to be plain text")
        ctx.created(("assets", key, "roles"), "invented", "plain metadata asset")
    docker = rt.get("docker")
    blocks = ([(base + ("docker",), docker)] if isinstance(docker, dict) else  # the beta examples: one object
              [(base + ("docker", str(i)), d) for i, d in enumerate(docker) if isinstance(d, dict)]
              if isinstance(docker, list) else [])  # the current README types it as a list of Docker objects
    for dbase, block in blocks:
        _docker(ctx, props, block, dbase, assets)
    if isinstance(docker, dict) and not docker:
        rt.pop("docker")
    elif isinstance(docker, list) and docker and all(d == {} for d in docker):
        rt.pop("docker")
    if isinstance(rt.get("model_artifact"), str):
        key = _free_key(assets, "model")
        href = rt.pop("model_artifact")
        assets[key] = {"href": href, "roles": ["mlm:model"]}
        ctx.moved(base + ("model_artifact",), ("assets", key, "href"), "the model artefact became the mlm:model asset")
        ctx.created(("assets", key, "roles"), "invented", "the model artefact asset has the mlm:model role")
        kind, why = infer_artifact_type(assets[key])
        ctx.invent(("assets", key, "mlm:artifact_type"), kind, f"required on mlm:model assets; {why}")


def _framework_version(ctx: Ctx, props: dict[str, Any], rt: dict[str, Any], base: Path) -> None:
    keys = [k for k in ("framework_version", "version") if k in rt]
    if not keys:
        return
    dst = P + ("mlm:framework_version",)
    for k in keys:
        value = rt.pop(k)
        version = semver(value)
        if "mlm:framework_version" in props:
            ctx.dropped(base + (k,), "mlm:framework_version already set" if version is None or
                        props["mlm:framework_version"] != version else "same version as framework_version")
        elif version is None:
            ctx.dropped(base + (k,), f"{value!r} is not a SemVer version (mlm:framework_version needs one)")
        else:
            props["mlm:framework_version"] = version
            if version == value:
                ctx.moved(base + (k,), dst)
            else:
                ctx.transformed([base + (k,)], [dst], f"{value!r} written as SemVer {version!r}")


def _source_code(ctx: Ctx, rt: dict[str, Any], base: Path, assets: dict[str, Any]) -> None:
    url, handler, commit = rt.get("model_src_url"), rt.get("model_handler"), rt.get("model_commit_hash")
    if not isinstance(url, str):
        for k, why in (("model_handler", "no model_src_url: no source-code asset to carry mlm:entrypoint"),
                       ("model_commit_hash", "no model_src_url the commit could refer to")):
            if k in rt:
                rt.pop(k)
                ctx.dropped(base + (k,), why)
        return
    key = _free_key(assets, "mlm:source_code")
    apath = ("assets", key)
    asset: dict[str, Any] = {"href": url}
    rt.pop("model_src_url")
    if isinstance(commit, str) and commit.strip():
        rt.pop("model_commit_hash")
        if _forge(url):
            asset["href"] = f"{url.rstrip('/')}/tree/{commit.strip()}"
            ctx.transformed([base + ("model_src_url",), base + ("model_commit_hash",)], [apath + ("href",)],
                            "source URL pinned to the commit (/tree/<hash>)")
        else:
            asset["description"] = f"commit {commit.strip()}"
            ctx.moved(base + ("model_src_url",), apath + ("href",))
            ctx.lossy([base + ("model_commit_hash",)], [apath + ("description",)],
                      "not a known forge; the commit is kept as text in the description")
    else:
        ctx.moved(base + ("model_src_url",), apath + ("href",), "the source code became the mlm:source_code asset")
    asset["type"] = "text/html"
    asset["roles"] = ["mlm:source_code", "code"]
    if isinstance(handler, str) and handler.strip():
        asset["mlm:entrypoint"] = rt.pop("model_handler")
        ctx.moved(base + ("model_handler",), apath + ("mlm:entrypoint",),
                  "the inference function is the source-code asset's mlm:entrypoint")
    assets[key] = asset
    ctx.created(apath + ("type",), "invented", "a source repository URL is assumed to be a web page")
    ctx.created(apath + ("roles",), "invented",
                      "source-code asset roles (MLM 1.5 requires 'code' with mlm:entrypoint)")


def _docker(ctx: Ctx, props: dict[str, Any], docker: dict[str, Any], base: Path, assets: dict[str, Any]) -> None:
    image = docker.get("image_name")
    image_src = base + ("image_name",)
    runtime_block = docker.get("docker_runtime") if isinstance(docker.get("docker_runtime"), dict) else {}
    if not isinstance(image, str) and isinstance(runtime_block.get("docker_image"), str):
        image, image_src = runtime_block["docker_image"], base + ("docker_runtime", "docker_image")
    dockerfile = docker.get("docker_file")
    dockerfile_src = base + ("docker_file",)
    if not isinstance(dockerfile, str) and isinstance(runtime_block.get("docker_file"), str):
        dockerfile, dockerfile_src = runtime_block["docker_file"], base + ("docker_runtime", "docker_file")
    text_host: Path | None = None
    if isinstance(image, str) and image.strip():
        key = _free_key(assets, "mlm:container")
        apath = ("assets", key)
        tag = docker.get("tag")
        href = image.strip()
        if isinstance(tag, str) and tag.strip() and ":" not in href.rsplit("/", 1)[-1]:
            href = f"{href}:{tag.strip()}"
            ctx.transformed([image_src, base + ("tag",)], [apath + ("href",)], "image_name:tag")
            docker.pop("tag")
        else:
            ctx.moved(image_src, apath + ("href",), "the docker image became the mlm:container asset")
            if "tag" in docker:
                docker.pop("tag")
                ctx.dropped(base + ("tag",), "image_name already carries a tag" if isinstance(tag, str) else
                            "not a tag")
        assets[key] = {"href": href, "type": OCI, "roles": ["runtime", "mlm:inference-runtime"]}
        ctx.created(apath + ("type",), "invented", "a docker image is an OCI image")
        ctx.created(apath + ("roles",), "invented", "container asset roles from the MLM README")
        text_host = apath
        _pop_image(docker, runtime_block, image_src)
    elif "tag" in docker:
        docker.pop("tag")
        ctx.dropped(base + ("tag",), "a tag without an image name")
    if isinstance(dockerfile, str) and dockerfile.strip():
        key = _free_key(assets, "dockerfile")
        apath = ("assets", key)
        assets[key] = {"href": dockerfile, "type": "text/plain", "roles": ["runtime", "code"]}
        ctx.moved(dockerfile_src, apath + ("href",), "the Dockerfile became a plain asset")
        ctx.created(apath + ("type",), "invented", "a Dockerfile is plain text")
        ctx.created(apath + ("roles",), "invented", "the Dockerfile describes the runtime")
        text_host = text_host or apath
        _pop_image(docker, runtime_block, dockerfile_src)
    if runtime_block == {} and "docker_runtime" in docker:
        docker.pop("docker_runtime")
    parts = [(k, docker[k]) for k in ("working_dir", "run") if isinstance(docker.get(k), str)]
    if parts and text_host is not None:
        asset = ctx.get(text_host)
        text = "; ".join(f"{k}: {v}" for k, v in parts)
        if isinstance(asset.get("description"), str):
            asset["description"] += "; " + text
        else:
            asset["description"] = text
        for k, _ in parts:
            docker.pop(k)
            ctx.lossy([base + (k,)], [text_host + ("description",)],
                      "MLM has no field for it; kept as text in the asset description")
    for k in ("gpu", "accelerator"):
        if isinstance(docker.get(k), bool) and "mlm:accelerator" not in props:
            flag = docker.pop(k)
            props["mlm:accelerator"] = "cuda" if flag else None
            if flag:
                ctx.lossy([base + (k,)], [P + ("mlm:accelerator",)],
                          "true does not say which accelerator; cuda assumed")
            else:
                ctx.transformed([base + (k,)], [P + ("mlm:accelerator",)],
                                "false: no specific accelerator (null)")


def _pop_image(docker: dict[str, Any], runtime_block: dict[str, Any], src: Path) -> None:
    if src[-2] == "docker_runtime":
        runtime_block.pop(src[-1], None)
    else:
        docker.pop(src[-1], None)


# -- archive -----------------------------------------------------------------------------------------------------
def _role_texts(role: Any) -> list[tuple[tuple[str, ...], str]]:
    if isinstance(role, str):
        return [((), role)]
    if isinstance(role, list):
        return [((str(j),), r) for j, r in enumerate(role) if isinstance(r, str)]
    return []


def _is_model_file(name: Any) -> bool:
    if not isinstance(name, str):
        return False
    return infer_artifact_type({"href": name})[0] != "unknown"


@transform("dlm.archive", reads=("properties.dlm:archive", "assets"),
           writes=("assets", "assets.<model>.mlm:artifact_type", "assets.<model>.description"))
def archive(ctx: Ctx) -> None:
    """dlm:archive and its archive asset become the mlm:model asset, with mlm:artifact_type inferred.

    Members with their own href become assets (a model file the mlm:model asset); the other members are listed in
    the archive asset's description, and the model-weight member names the file the artifact type is inferred
    from."""
    props = _props(ctx)
    assets = _assets(ctx)
    if props is None or assets is None:
        return
    members = props.get("dlm:archive")
    base = P + ("dlm:archive",)
    model_hint: str | None = None
    listed: list[tuple[Path, str]] = []
    roles_table = table("archive_roles")
    for i, m in enumerate(members if isinstance(members, list) else []):
        if not isinstance(m, dict):
            continue
        here = base + (str(i),)
        name, href = m.get("name"), m.get("href")
        texts = _role_texts(m.get("role"))
        known = [roles_table.get(t.strip().lower()) for _, t in texts]
        is_weight = any(t.strip().lower() == "model weight" for _, t in texts)
        if (is_weight or _is_model_file(name)) and isinstance(name, str) and model_hint is None:
            model_hint = name
        if isinstance(href, str) and href.strip():
            key = _free_key(assets, str(name).rsplit("/", 1)[-1] if isinstance(name, str) and name else f"archive-{i}")
            apath = ("assets", key)
            roles: list[str] = []
            for r in known:
                for x in r or []:
                    if x not in roles:
                        roles.append(x)
            guessed = not roles and _is_model_file(name or href)
            if guessed:
                roles = ["mlm:model", "mlm:weights"]
            asset: dict[str, Any] = {"href": href}
            if isinstance(name, str):
                asset["title"] = name
            asset["roles"] = roles or ["data"]
            free = [(rel, t) for (rel, t), r in zip(texts, known, strict=True) if r is None]
            if free:
                asset["description"] = "; ".join(t for _, t in free)
            assets[key] = asset
            ctx.moved(here + ("href",), apath + ("href",), "archive member with its own href became an asset")
            if isinstance(name, str):
                ctx.moved(here + ("name",), apath + ("title",))
            for (rel, t), r in zip(texts, known, strict=True):
                if r is not None:
                    ctx.transformed([here + ("role",) + rel], [apath + ("roles",)], f"archive role {t!r} -> {r}")
                else:
                    ctx.lossy([here + ("role",) + rel], [apath + ("description",)],
                              "free-text archive role kept as the asset description")
            if not any(r is not None for r in known):
                ctx.created(apath + ("roles",), "invented",
                                  "roles inferred from the file ending" if guessed else "role assumed: data")
            if "mlm:model" in asset["roles"]:
                kind, why = infer_artifact_type(asset)
                ctx.invent(apath + ("mlm:artifact_type",), kind, f"required on mlm:model assets; {why}")
            _pop_all(m, ("href", "name", "role"))
        else:
            label = str(name) if name is not None else f"member {i}"
            roles_text = ", ".join(t for _, t in texts)
            listed.append((here, f"{label} ({roles_text})" if roles_text else label))
    ctx_models = model_assets(ctx.doc)
    archives = [k for k in ctx_models if not any(
        isinstance(m, dict) and m.get("href") == assets[k].get("href") for m in members or [])] if isinstance(
        members, list) else ctx_models
    host = archives[0] if archives else None
    if listed and host is not None:
        asset = assets[host]
        apath = ("assets", host, "description")
        text = "archive members: " + "; ".join(t for _, t in listed)
        if isinstance(asset.get("description"), str) and asset["description"].strip():
            asset["description"] = asset["description"].rstrip() + ". " + text
            ctx.changed(apath, "transformed", "the archive member list was appended")
        else:
            asset["description"] = text
        for here, _ in listed:
            # the whole member became part of one line of text: every field of it lands on the description
            ctx.lossy([here], [apath], "MLM cannot list archive members; kept as text in the archive asset's "
                                       "description", whole=True)
            members[int(here[-1])] = {}
    for key in model_assets(ctx.doc):
        asset = assets[key]
        if asset.get("mlm:artifact_type"):
            continue
        kind, why = infer_artifact_type(asset)
        if kind == "unknown" and model_hint:
            kind2, why2 = infer_artifact_type({"href": model_hint})
            if kind2 != "unknown":
                kind, why = kind2, f"{why2} of the archive member {model_hint!r}"
        ctx.invent(("assets", key, "mlm:artifact_type"), kind, f"required on mlm:model assets; {why}")


# -- band definitions ---------------------------------------------------------------------------------------------
def _input_band_names(props: dict[str, Any]) -> list[tuple[str, Path]]:
    out: list[tuple[str, Path]] = []
    seen: set[str] = set()
    for i, item in enumerate(props.get("mlm:input") or []):
        if not isinstance(item, dict):
            continue
        for j, b in enumerate(item.get("bands") or []):
            name = b.get("name") if isinstance(b, dict) else b
            if isinstance(name, str) and name not in seen:
                seen.add(name)
                out.append((name, P + ("mlm:input", str(i), "bands", str(j))))
    return out


def _defined(doc: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    hosts = [doc.get("properties") or {}] + list((doc.get("assets") or {}).values())
    for host in hosts:
        if isinstance(host, dict):
            for key in ("eo:bands", "raster:bands", "bands"):
                bands = host.get(key)
                for band in bands if isinstance(bands, list) else []:
                    if isinstance(band, dict) and isinstance(band.get("name"), str):
                        names.add(band["name"])
    return names


@transform("dlm.band_definitions",
           reads=("properties.eo:bands", "properties.bands", "properties.dlm:data.data_type",
                  "properties.dlm:data.nodata", "properties.dlm:data.useful_bands[].nodata_value"),
           writes=("assets.<model>.eo:bands", "assets.<model>.bands", "assets.<model>.raster:bands",
                   "stac_extensions"))
def band_definitions(ctx: Ctx) -> None:
    """Band definitions go where MLM 1.5.2 checks them: on the mlm:model asset.

    Item eo:bands (STAC 1.0) or STAC 1.1 bands are copied to the mlm:model asset; dlm:data data_type/nodata become
    raster:bands there (one per input band); a band referenced but defined nowhere gets a name-only definition."""
    props = _props(ctx)
    models = model_assets(ctx.doc)
    if props is None or not models:
        return
    mkey = models[0]
    apath = ("assets", mkey)
    masset = ctx.get(apath)
    stac11 = str(ctx.get(("stac_version",)) or "").startswith("1.1")
    for key in ("eo:bands", "bands"):
        if isinstance(props.get(key), list) and props[key] and key not in masset:
            masset[key] = copy.deepcopy(props[key])
            ctx.copied(P + (key,), apath + (key,), "band definitions copied to the mlm:model asset (eo v1.1.0 and "
                       "STAC 1.1 allow item-level bands only when an asset has them)")
            if key == "eo:bands":
                _add_extension(ctx, EO)
    inputs = _input_band_names(props)
    data = props.get("dlm:data") if isinstance(props.get("dlm:data"), dict) else None
    if data is not None:
        _data_types(ctx, props, data, apath, masset, inputs, stac11)
    missing = [(n, p) for n, p in inputs if n not in _defined(ctx.doc)]
    if missing:
        key = "bands" if stac11 else "eo:bands"
        hosts = [apath] + ([P] if stac11 else [])
        for host in hosts:
            obj = ctx.get(host)
            bands = obj.setdefault(key, []) if isinstance(obj.get(key), list) or key not in obj else None
            if bands is None:
                continue
            for name, src in missing:
                bands.append({"name": name})
                ctx.copied(src, host + (key, str(len(bands) - 1), "name"),
                           "band referenced by mlm:input but defined nowhere: name-only definition added")
        if key == "eo:bands":
            _add_extension(ctx, EO)


def _data_types(ctx: Ctx, props: dict[str, Any], data: dict[str, Any], apath: Path, masset: dict[str, Any],
                inputs: list[tuple[str, Path]], stac11: bool) -> None:
    base = P + ("dlm:data",)
    dkey = _first_key(data, "data_type", "dtype")
    nkey = _first_key(data, "nodata", "nodata_value")
    useful = data.get("useful_bands") if isinstance(data.get("useful_bands"), list) else []
    per_band: dict[int, tuple[Path, Any]] = {}
    # per-band nodata in useful_bands (a sentinel-hub variant), aligned with the input bands by position
    for j, u in enumerate(useful):
        if isinstance(u, dict):
            k = _first_key(u, "nodata", "nodata_value")
            if k is not None:
                per_band[j] = (base + ("useful_bands", str(j), k), u[k])
    if dkey is None and nkey is None and not per_band:
        return
    mapped = _numpy_type(data.get(dkey)) if dkey else None
    if dkey and mapped is None:
        ctx.dropped(base + (dkey,), f"{dkey} {data.pop(dkey)!r} is not a numpy type name")
        dkey = None
    nodata = data.get(nkey) if nkey else None
    if nkey and not (_number(nodata) or nodata in ("nan", "inf", "-inf")):
        data.pop(nkey)
        ctx.dropped(base + (nkey,), f"{nkey} {nodata!r} is not a number")
        nkey = None
    names = [n for n, _ in inputs] or [None]
    if stac11 and isinstance(masset.get("bands"), list):
        target_key = "bands"
        bands = masset["bands"]
    else:
        target_key = "raster:bands"
        if "raster:bands" in masset:
            ctx.remove(apath + ("raster:bands",), "replaced by raster bands built from dlm:data")
        bands = []
        for n in names:
            bands.append({"name": n} if n else {})
        masset["raster:bands"] = bands
        _add_extension(ctx, RASTER)
    index = {b.get("name"): i for i, b in enumerate(bands) if isinstance(b, dict)}
    dsts_type, dsts_nodata = [], []
    for pos, n in enumerate(names):
        i = index.get(n, pos if target_key == "raster:bands" else None)
        if i is None:
            continue
        band = bands[i]
        here = apath + (target_key, str(i))
        if target_key == "raster:bands" and n:
            ctx.copied(inputs[pos][1], here + ("name",), "raster band named after the mlm:input band")
        if dkey and "data_type" not in band:
            band["data_type"] = mapped[0]
            dsts_type.append(here + ("data_type",))
        if pos in per_band and "nodata" not in band:
            src, value = per_band.pop(pos)
            band["nodata"] = value
            ctx.moved(src, here + ("nodata",), "per-band nodata")
            src_u = src[:-1]
            _pop_all(ctx.get(src_u), (src[-1],))
        elif nkey and "nodata" not in band:
            band["nodata"] = nodata
            dsts_nodata.append(here + ("nodata",))
        if not band and target_key == "raster:bands":
            ctx.created(here, "invented", "one raster band per input band")
    if dkey:
        value = data.pop(dkey)
        if dsts_type:
            status = "lossy" if mapped[1] else ("moved" if mapped[0] == value else "transformed")
            ctx.account(base + (dkey,), dsts_type, status,
                                mapped[1] or f"the source data type (numpy {value!r}) is the data_type of each band")
        else:
            ctx.dropped(base + (dkey,), "every band already has a data_type")
    if nkey:
        data.pop(nkey)
        if dsts_nodata:
            ctx.account(base + (nkey,), dsts_nodata, "moved", "the nodata value of each band")
        else:
            ctx.dropped(base + (nkey,), "every band already has a nodata value")
    for src, _ in per_band.values():
        ctx.dropped(src, "no input band at this position")
        _pop_all(ctx.get(src[:-1]), (src[-1],))


# -- leftovers ---------------------------------------------------------------------------------------------------
@transform("dlm.leftovers", reads=("properties.dlm:*",), writes=())
def leftovers(ctx: Ctx) -> None:
    """What is left of the dlm:* objects has no MLM 1.5.2 target: dropped, each leaf with its field name."""
    props = _props(ctx)
    if props is None:
        return
    parked = set()
    if ctx.options.get("keep_source"):  # lossless mode: every source dlm:* object stays whole (engine/keep.py)
        source = (ctx.options.get("source") or {}).get("properties")
        for key in [k for k in source if k.startswith("dlm:")] if isinstance(source, dict) else []:
            if ctx._park(P + (key,)):
                parked.add(key)
    for key in [k for k in props if k.startswith("dlm:") and k not in parked]:
        path = P + (key,)
        for leaf, value in leaves(props[key], path):
            if isinstance(value, (dict, list)):
                if ctx.origins(leaf):
                    ctx.account(leaf, [], "dropped", "empty in the source")
                continue
            field = ".".join(p for p in leaf[1:] if not p.isdigit())
            ctx.account(leaf, [], "dropped", f"{field} has no MLM 1.5.2 counterpart")
        props.pop(key)
        ctx.account(path, [], "dropped", "emptied")
