"""Reverse edges: MLM 1.5.2 -> 1.5.1 -> ... -> 1.0.0 and MLM 1.5.2 -> ml-model 1.0.0.

Policy shared by every reverse transform: a value already present in the target's own vocabulary wins (that is
how fields parked by ``--keep-source`` come back), and everything that cannot be carried is reported ``lossy``
or ``dropped`` with its reason.
"""

from __future__ import annotations

import json
from typing import Any

from crosswalk.engine.ctx import Ctx
from crosswalk.engine.keep import REASON as KEEP_REASON
from crosswalk.language.pointer import Path, rename_key
from crosswalk.transforms import of_type, table, transform
from crosswalk.transforms.mlm import up
from crosswalk.transforms.mlm.up import (
    AS_Z_SCORE,
    AS_Z_SCORE_WHY,
    LEGACY_NORM,
    STAT_KEYS,
    P,
    as_z_scores,
    io_lists,
    model_assets,
    name_key,
    rewrite_values,
)
from crosswalk.transforms.stac import LIST_FORM, listed

OCI_PREFIX = "application/vnd.oci"


# -- 1.5.x -> 1.4.0 ---------------------------------------------------------------------------------------------
# -- 1.4.0 -> 1.3.0 ---------------------------------------------------------------------------------------------
@transform("downgrade.norm_from_scaling", reads=("properties.mlm:input[].value_scaling",),
           writes=("properties.mlm:input[].norm_type", "properties.mlm:input[].norm_by_channel",
                   "properties.mlm:input[].statistics"))
def norm_from_scaling(ctx: Ctx) -> None:
    """value_scaling (MLM 1.4+) becomes norm_type/statistics/norm_by_channel: all z-score or all min-max map
    exactly, and so does any list of z-score, min-max, offset and scale entries, as the z-scores they are; null
    becomes norm_type null; clip and processing entries have no MLM 1.3 form."""
    for path, item in io_lists(ctx, "mlm:input"):
        if "value_scaling" not in item:
            continue
        src, scaling = path + ("value_scaling",), item.pop("value_scaling")  # a lone object: wrapped by the repairs
        kinds = {name_key(s.get("type")) for s in of_type(scaling, list) if isinstance(s, dict)}
        kind = next(iter(kinds)) if len(kinds) == 1 else None
        empty = scaling is None or scaling == []
        new: dict[str, Any] | None = {"norm_type": None} if empty else None
        z_scores = None
        if kind in STAT_KEYS and all(isinstance(s, dict) and all(k in s for k in STAT_KEYS[kind]) for s in scaling):
            new = {"norm_type": kind, "norm_by_channel": len(scaling) > 1,
                   "statistics": [{k: s[k] for k in STAT_KEYS[kind]} for s in scaling]}
        elif not empty and (z_scores := as_z_scores(scaling)) is not None:
            new = {"norm_type": "z-score", "norm_by_channel": len(scaling) > 1,
                   "statistics": [{"mean": mean, "stddev": stddev} for mean, stddev in z_scores]}
        # legacy keys left beside value_scaling (the official 1.4+ examples keep norm_by_channel) are superseded
        for key in [k for k in LEGACY_NORM if k in item and item[k] != (new or {}).get(k, ...)]:
            ctx.remove(path + (key,), "legacy key superseded by value_scaling")
        if new is None and ctx.options.get("keep_source"):  # MLM <= 1.3 input objects are open: it may stay, unread
            item["value_scaling"] = scaling
            ctx.changed(src, "kept", KEEP_REASON)
            continue
        if new is None:
            what = ", ".join(sorted(str(k) for k in kinds)) or "unknown"
            ctx.lossy([src], [], f"value_scaling of type {what} has no norm_type equivalent before MLM 1.4")
            continue
        for key, value in new.items():
            item.setdefault(key, value)
        if empty:
            ctx.transformed([src], [path + ("norm_type",)], "value_scaling null became norm_type null")
            continue
        reason = "value_scaling became norm_type/statistics/norm_by_channel"
        if z_scores is not None:
            reason += f" as z-scores ({AS_Z_SCORE_WHY})"
        for i, s in enumerate(scaling):
            stats = path + ("statistics", str(i))
            makes, by_type, _ = AS_Z_SCORE[name_key(s["type"])] if z_scores is not None else (
                {k: (k,) for k in STAT_KEYS[kind]}, (), None)
            for k in s:
                to = ([stats + (m,) for m in makes[k]] if k in makes else
                      [path + ("norm_type",), path + ("norm_by_channel",), *(stats + (m,) for m in by_type)]
                      if k == "type" else [])
                ctx.account(src + (str(i), k), to, "transformed" if to else "dropped",
                            reason if to else f"{k} has no place in MLM 1.3 statistics")
        # value_scaling is gone: what was recorded on it as a whole (legacy norm_* fields, a dlm scaling factor
        # folded into every entry) followed its parts above and no longer lives here
        ctx.account(src, [], "dropped", reason)


# -- 1.3.0 -> 1.2.0 ---------------------------------------------------------------------------------------------
def _no_names(bands: Any) -> Any:
    return ([{k: v for k, v in b.items() if k != "name"} if isinstance(b, dict) else b for b in bands]
            if isinstance(bands, list) else bands)


@transform("downgrade.raster_bands_to_properties", reads=("assets.<model>.raster:bands", "assets.<model>.eo:bands"),
           writes=("properties.raster:bands", "properties.eo:bands"))
def raster_bands_to_properties(ctx: Ctx) -> None:
    """MLM 1.0-1.2 read raster:bands in the item properties (1.3 reads them on the mlm:model asset); and when no
    input lists bands, 1.1/1.2 forbid band definitions on the model asset."""
    props = ctx.get(P)  # an object: the rule's guard
    no_bands = all(not item.get("bands") for _, item in io_lists(ctx, "mlm:input"))
    models = model_assets(ctx.doc)
    # the eo schema takes eo:bands in the item properties only when an asset has them too
    eo_elsewhere = any(isinstance(a, dict) and "eo:bands" in a for k, a in of_type(ctx.get(("assets",)), dict).items()
                       if k not in models)
    for key in models:
        asset = ctx.get(("assets", key))
        for field in ("raster:bands", "eo:bands"):
            if field not in asset or (field == "eo:bands" and not no_bands):
                continue  # eo:bands on the model asset are fine before 1.3 when inputs list bands
            here, dst = ("assets", key, field), P + (field,)
            if field == "eo:bands" and field not in props and not eo_elsewhere:
                ctx.remove(here, "no input lists bands, so MLM 1.1/1.2 forbid eo:bands on the model asset, and the "
                                 "eo schema takes them in the item properties only beside an asset's")
            elif field not in props:
                ctx.move(here, dst, f"MLM 1.0-1.2 read {field} in the item properties")
            elif field == "raster:bands" and _no_names(asset[field]) == _no_names(props[field]):
                # the copy MLM 1.3 made of the item's raster:bands (the same list but for names): fold it back
                for i, band in enumerate(asset.pop(field)):
                    for k in band if isinstance(band, dict) else ():
                        at, target = (str(i), k), props[field][i]  # a band object: lists of the same length
                        if k == "name" and not (isinstance(target, dict) and target.get("name") == band["name"]):
                            ctx.account(here + at, [], "dropped", "band name MLM 1.3 needs on the model asset; 1.2 "
                                        "reads the unnamed raster:bands of the item properties")
                        else:
                            ctx.account(here + at, [dst + at], "moved", "same as the item's raster:bands")
                ctx.account(here, [], "dropped", "empty copy of the item's raster:bands")
            elif no_bands:
                ctx.remove(here, f"no input lists bands, so MLM 1.1/1.2 forbid {field} on the model asset; "
                                 f"the item properties already have {field}")


# -- MLM 1.5.2 -> ml-model 1.0.0 -------------------------------------------------------------------------------
@transform("downgrade.ml_model_tasks", reads=("properties.mlm:tasks",), writes=("properties.ml-model:prediction_type",))
def ml_model_tasks(ctx: Ctx, host: Path = P) -> None:
    """mlm:tasks become the one ml-model:prediction_type (specific tasks generalised).

    ``host``: an Item's properties (without a prediction type: the rule's guard; the rule after it invents one when
    no task maps), an asset or an item asset definition."""
    obj = ctx.get(host)
    src, dst = host + ("mlm:tasks",), host + ("ml-model:prediction_type",)
    names = of_type(obj.get("mlm:tasks"), list)
    mapping = table("mlm_tasks_to_ml_model")
    mapped = [mapping.get(t, t) for t in names if isinstance(t, str)]
    if not mapped:
        if "mlm:tasks" in obj:
            ctx.remove(src, "no MLM task to map")
        return
    value = obj["ml-model:prediction_type"] = mapped[0]
    obj.pop("mlm:tasks")
    exact, tasks = names == [value], ", ".join(map(str, names))
    reason = ("a one-element task list became prediction_type" if exact else
              f"ml-model has one prediction_type; {tasks} became {value!r}" if len(set(mapped)) > 1 else
              f"{tasks} generalised to {value!r}")
    for i in range(len(names)):
        ctx.account(src + (str(i),), [dst], "transformed" if exact else "lossy", reason)
    (ctx.transformed if exact else ctx.lossy)([src], [dst], reason)


@transform("downgrade.ml_model_collection_tasks", reads=("summaries.mlm:tasks", "{assets,item_assets}.*.mlm:tasks"),
           writes=("summaries.ml-model:prediction_type", "{assets,item_assets}.*.ml-model:prediction_type"))
def ml_model_collection_tasks(ctx: Ctx) -> None:
    """A Collection's mlm:tasks summary becomes the ml-model:prediction_type summary (each task through the table
    the Items use), and the mlm:tasks of an asset or an item asset definition its one prediction_type (ml-model's
    schema reads its fields there too)."""
    for where in ("assets", "item_assets"):
        for key, asset in of_type(ctx.get((where,)), dict).items():
            if isinstance(asset, dict) and "mlm:tasks" in asset and "ml-model:prediction_type" not in asset:
                ml_model_tasks(ctx, (where, key))
    summaries = ctx.get(("summaries",))
    if not isinstance(summaries, dict) or "mlm:tasks" not in summaries or "ml-model:prediction_type" in summaries:
        return  # (a prediction_type summary already there: mlm:tasks was dropped, or kept by --keep-source)
    src, dst = ("summaries", "mlm:tasks"), ("summaries", "ml-model:prediction_type")
    found, schema = listed(ctx, src)  # the JSON Schema form MLM 1.5 writes: the tasks are the enum (of its items)
    why = "MLM tasks mapped to ml-model prediction types" + (f"; {LIST_FORM}" if schema else "")
    mapping = table("mlm_tasks_to_ml_model")
    fates = [(here, v, mapping.get(v, v) if isinstance(v, str) else None) for here, v in found]
    new = list(dict.fromkeys(m for _, _, m in fates if m is not None))
    if not new:
        ctx.remove(src, "the mlm:tasks summary names no task")
        return
    rename_key(summaries, "mlm:tasks", "ml-model:prediction_type")
    summaries["ml-model:prediction_type"] = new
    for here, v, m in fates:  # each task to its prediction type (several may merge into one)
        if m is None:
            ctx.account(here, [], "dropped", f"{json.dumps(v)} is not a task name")
        else:
            ctx.account(here, [dst + (str(new.index(m)),)], "transformed" if m == v else "lossy",
                        why if m == v else f"{v} generalised to {m!r}")
    ctx.account(src, [dst], "transformed", why, whole=True)  # what is left: a JSON Schema's type keywords
    if not all(m == v for _, v, m in fates):
        ctx.lossy([src], [dst], why)  # nothing left to account for: --keep-source keeps the source summary too


_RUNTIMES = {"mlm:inference-runtime": "ml-model:inference-runtime", "mlm:training-runtime": "ml-model:training-runtime"}
_FORWARD_CHECKPOINT = {"mlm:model", "mlm:checkpoint", "mlm:weights"}  # what ml-model:checkpoint becomes


def is_container(asset: dict[str, Any]) -> bool:
    kind = str(asset.get("type", "")).lower()
    return (kind.startswith(OCI_PREFIX) or kind == "docker-image") and any(
        isinstance(r, str) and r in _RUNTIMES for r in of_type(asset.get("roles"), list))


@transform("downgrade.ml_model_roles", reads=("{assets,item_assets}.*.roles",), writes=("same",))
def ml_model_roles(ctx: Ctx) -> None:
    """MLM roles become ml-model roles: runtimes by prefix swap (their `runtime` companion folds in), the model,
    checkpoint and weights roles into ml-model:checkpoint; other roles stay. An Item's container assets become
    links (`ml_model_links`); a Collection's stay assets and get the ml-model runtime roles too."""
    item = ctx.get(("type",)) == "Feature"
    for path, asset in up.role_lists(ctx):
        present = {r for r in asset["roles"] if isinstance(r, str)}
        model, runtimes = present & _FORWARD_CHECKPOINT, present & set(_RUNTIMES)
        if (item and path[0] == "assets" and is_container(asset)) or not (model or runtimes):
            continue
        kind, fates = asset.get("mlm:artifact_type"), []
        for role in asset["roles"]:
            name = role if isinstance(role, str) else None  # not a role (an object, a list): kept, for the schema
            if name in _FORWARD_CHECKPOINT:
                status, why = "lossy", (f"{', '.join(sorted(model))} became ml-model:checkpoint, which stands "
                                        "for mlm:model, mlm:checkpoint and mlm:weights together")
                if model == _FORWARD_CHECKPOINT:
                    status, why = "transformed", "mlm:model/checkpoint/weights became ml-model:checkpoint"
                elif role == "mlm:model" and kind not in (None, "torch.save"):
                    why = f"ml-model:checkpoint names a training checkpoint; this model artefact is {kind}"
                fates.append((["ml-model:checkpoint"], status, why))
            elif name in _RUNTIMES:
                fates.append(([_RUNTIMES[role]], "transformed", f"role {role} -> {_RUNTIMES[role]}"))
            elif role == "runtime" and runtimes:
                fates.append(([_RUNTIMES[sorted(runtimes)[0]]], "transformed",
                              "the generic runtime role is implied by the ml-model runtime role"))
            else:
                fates.append(([role], "kept", None))
        rewrite_values(ctx, path, fates)


@transform("downgrade.ml_model_links", reads=("assets.<container>", "links[].ml-aoi:split"), writes=("links[]",))
def ml_model_links(ctx: Ctx) -> None:
    """Container assets become ml-model:inferencing-image / training-image links, and derived_from links with
    ml-aoi:split train/test become ml-model:train-data / test-data."""
    links = of_type(ctx.get(("links",)), list)
    splits = {split: rel for rel, split in table("ml_model_splits").items()}
    for i, link in enumerate(links):
        if isinstance(link, dict) and link.get("rel") == "derived_from" and link.get("ml-aoi:split") in splits:
            here, split = ("links", str(i)), link.pop("ml-aoi:split")
            link["rel"] = splits[split]
            why = f"derived_from with ml-aoi:split {split} became {splits[split]}"
            ctx.account(here + ("ml-aoi:split",), [here + ("rel",)], "transformed", why)
            ctx.changed(here + ("rel",), "transformed", why)
    # the ml-aoi URI declared for the splits that just became link relations goes with them when no ml-aoi field is
    # left (the forward direction added it for those splits)
    uris = of_type(ctx.get(("stac_extensions",)), list)
    found = [i for i, u in enumerate(uris) if isinstance(u, str) and "/ml-aoi/" in u]
    if found and '"ml-aoi:' not in json.dumps(ctx.doc):
        for i in reversed(found):
            ctx.remove(("stac_extensions", str(i)), "no ml-aoi field is left (train/test splits became ml-model "
                                                   "link relations)")
    assets = of_type(ctx.get(("assets",)), dict) if ctx.get(("type",)) == "Feature" else {}  # an Item's only
    images = {image["fields"]["roles"][-1]: rel for rel, image in table("ml_model_images").items()}
    for key, asset in list(assets.items()):
        if not isinstance(asset, dict) or not is_container(asset):
            continue
        rel, here = next(images[r] for r in asset["roles"] if r in images), ("assets", key)
        if not isinstance(asset.get("href"), str):  # a link needs an href: without one there is no link to write
            ctx.remove(here, f"a container asset without a string href names no image to link as {rel}")
            continue
        if not isinstance(ctx.get(("links",)), list):
            links = ctx.invent(("links",), [], "an Item needs links")
        if any(isinstance(x, dict) and x.get("rel") == rel and x.get("href") == asset.get("href") for x in links):
            ctx.remove(here, f"the same image is already linked as {rel}")
            continue
        title = {"title": asset["title"]} if "title" in asset else {}
        dst = ("links", str(len(links)))
        links.append({"rel": rel, "href": asset.get("href"), "type": "docker-image", **title})
        reason = f"container asset became a {rel} link"
        for field in list(asset):
            status, to = table("ml_model_link_fields").get(field, ("dropped", None))
            why = (f"{reason}; its media type {asset['type']!r} became 'docker-image'" if field == "type" else
                   reason if to else f"{reason}; a link has no {field}")
            ctx.account(here + (field,), [dst + (to,)] if to else [], status, why)
        ctx.remove(here, reason)
