"""Transforms for ml-model 1.0.0 -> MLM (after the MLM legacy guide for ml-model)."""

from __future__ import annotations

import copy
import re
from typing import Any

from crosswalk.engine.ctx import Ctx
from crosswalk.transforms import free_key, table, transform
from crosswalk.transforms.mlm.up import P, infer_artifact_type, model_assets, sanitise_name
from crosswalk.transforms.stac import add_extension, listed

ML_AOI = "https://stac-extensions.github.io/ml-aoi/v0.2.0/schema.json"


def table_entry(entry: Any) -> tuple[Any, str | None]:
    """A table value as (value, lossy reason): the tables write a lossy value as {value: x, lossy: "why"}."""
    return (entry["value"], entry.get("lossy")) if isinstance(entry, dict) else (entry, None)


def task_for(value: Any, *extra: str) -> tuple[str | None, str | None]:
    """(MLM task, lossy reason) for an ml-model prediction_type or a dlm task name (``extra``: more task tables,
    looked up after the shared one)."""
    key = re.sub(r"[\s_]+", "-", value.strip().lower()) if isinstance(value, str) else None
    return table_entry(next((t[key] for t in (table("tasks"), *map(table, extra)) if key in t), None))


@transform("ml_model.tasks", reads=("properties.ml-model:prediction_type",),
           writes=("properties.mlm:tasks", "properties.mlm:output"))
def tasks(ctx: Ctx) -> None:
    """prediction_type becomes mlm:tasks and the task of one invented output (ml-model describes no tensors)."""
    src, props = P + ("ml-model:prediction_type",), ctx.get(P)
    if not ctx.has(src):
        return
    value = props.pop("ml-model:prediction_type")
    task, lossy = task_for(value)
    dsts = []
    if "mlm:tasks" not in props:
        props["mlm:tasks"] = [task] if task else []
        if task:
            dsts.append(P + ("mlm:tasks",))
        else:
            ctx.created(P + ("mlm:tasks",), "invented", "mlm:tasks is required; [] as no task maps")
    if "mlm:output" not in props:
        result = {"shape": [-1], "dim_order": ["batch"], "data_type": "float32"}
        props["mlm:output"] = [{"name": task or "output", "tasks": [task] if task else [], "result": result}]
        ctx.created(P + ("mlm:output", "0", "name"), "invented", "ml-model names no output; named after the task")
        ctx.created(P + ("mlm:output", "0", "result"), "invented",
                    "ml-model describes no output tensor; shape [-1], dim_order [batch], float32 assumed")
        if task:
            dsts.append(P + ("mlm:output", "0", "tasks"))
        else:
            ctx.created(P + ("mlm:output", "0", "tasks"), "invented", "no MLM task for the prediction_type")
    if not task:
        ctx.dropped(src, f"prediction_type {value!r} is not an MLM task (closed enum)")
    elif not dsts:
        ctx.dropped(src, "mlm:tasks and mlm:output already present; kept those values")
    elif lossy:
        ctx.lossy([src], dsts, lossy)
    else:
        ctx.transformed([src], dsts, "prediction_type became a one-element task list" if task == value else
                        f"prediction_type {value!r} is the MLM task {task!r}, as a one-element task list")


@transform("ml_model.summary_tasks",
           reads=("summaries.ml-model:prediction_type", "{assets,item_assets}.*.ml-model:prediction_type"),
           writes=("summaries.mlm:tasks", "{assets,item_assets}.*.mlm:tasks"))
def summary_tasks(ctx: Ctx) -> None:
    """Collection summaries of prediction_type become summaries of mlm:tasks, and the prediction_type of an asset or
    an item asset definition (ml-model's schema reads its fields there too) its mlm:tasks."""
    hosts = [(key, k) for key in ("assets", "item_assets") if isinstance(objs := ctx.get((key,)), dict)
             for k, v in objs.items() if isinstance(v, dict)]
    for host in [("summaries",), *hosts]:
        src, dst = host + ("ml-model:prediction_type",), host + ("mlm:tasks",)
        if ctx.get(src) is None:
            continue
        (values, schema), here = listed(ctx, src), ctx.get(host)
        here.pop("ml-model:prediction_type")
        if "mlm:tasks" in here:
            ctx.dropped(src, f"an mlm:tasks {'summary' if host == ('summaries',) else 'field'} is already present; "
                             "kept those values")
            continue
        found = [(at, *task_for(v), v) for at, v in values]
        mapped = list(dict.fromkeys(task for _, task, _, _ in found if task))
        for at, task, lossy, value in found:  # each value to its task (several may merge into one)
            if task is None:
                ctx.dropped(at, f"prediction_type {value!r} is not an MLM task")
            else:
                ctx.account(at, [dst + (str(mapped.index(task)),)], "lossy" if lossy else "transformed",
                            lossy or "prediction_type values mapped to MLM tasks")
        if not mapped:  # no task: an empty list (or schema) would say nothing
            ctx.dropped(src, "no MLM task to map")
            continue
        here["mlm:tasks"] = mapped
        if schema:  # what is left: the JSON Schema's type keywords
            ctx.account(src, [dst], "transformed", "prediction_type values mapped to MLM tasks", whole=True)


@transform("ml_model.name", reads=("properties.title", "id"), writes=("properties.mlm:name",))
def name(ctx: Ctx) -> None:
    """mlm:name (required) from the title, else the id, cleaned to MLM's name pattern (a text of which nothing
    fits it, a title in another script, gives way to the next)."""
    if ctx.get(("type",)) != "Feature" or not isinstance(ctx.get(P), dict) or ctx.has(P + ("mlm:name",)):
        return
    for src in (P + ("title",), ("id",)):
        value = ctx.get(src)
        clean = sanitise_name(value) if isinstance(value, str) else None
        if clean is not None:
            ctx.put(P + ("mlm:name",), clean)
            why = "mlm:name derived from " + src[-1] + (" (cleaned to the name pattern)" if clean != value else "")
            ctx.copied(src, P + ("mlm:name",), why, status="transformed" if clean != value else None)
            return
    ctx.invent(P + ("mlm:name",), "model", "no title or id that fits the name pattern to name the model")


@transform("ml_model.artifact_type", reads=("assets.<mlm:model>.{href,type}",),
           writes=("assets.<mlm:model>.mlm:artifact_type",))
def artifact_type(ctx: Ctx) -> None:
    """An mlm:model asset (an ml-model checkpoint) without mlm:artifact_type, which MLM requires, gets one inferred
    from its file ending or media type."""
    for key in model_assets(ctx.doc):
        asset = ctx.get(("assets", key))
        if "mlm:artifact_type" not in asset:
            kind, why = infer_artifact_type(asset)
            ctx.invent(("assets", key, "mlm:artifact_type"), kind, f"required on mlm:model assets; {why}")


@transform("ml_model.links", reads=("links[].rel",), writes=("links", "assets.mlm:container*", "assets.mlm:training*"))
def links(ctx: Ctx) -> None:
    """ml-model link relations: train/test data become derived_from + ml-aoi:split; images become assets."""
    items = ctx.get(("links",))
    if not isinstance(items, list):
        return
    splits, images = table("ml_model_splits"), table("ml_model_images")
    used_aoi = False
    for i, link in reversed(list(enumerate(items))):  # from the end: removing a link shifts those after it
        rel = link.get("rel") if isinstance(link, dict) else None
        here = ("links", str(i))
        if rel in splits:
            split, new = splits[rel], "ml-aoi:split" not in link
            link["rel"] = "derived_from"
            own = link.setdefault("ml-aoi:split", split)  # the link's own split is never overwritten
            (ctx.transformed if own == split else ctx.lossy)(
                [here + ("rel",)], [here + ("rel",)] + ([here + ("ml-aoi:split",)] if new else []),
                f"{rel} became derived_from with ml-aoi:split {split}" if new else
                f"{rel} became derived_from; its ml-aoi:split already says {split}" if own == split else
                f"{rel} became derived_from; the link's own ml-aoi:split {own!r} is kept")
            used_aoi = True
        elif rel in images and ctx.get(("type",)) == "Feature":
            assets = ctx.get(("assets",))
            if not isinstance(assets, dict):
                continue
            key = free_key(assets, images[rel]["key"])
            assets[key] = {"href": link.get("href"), **copy.deepcopy(images[rel]["fields"]),
                           **({"title": link["title"]} if "title" in link else {})}
            reason = f"{rel} link became a container asset; its type {link.get('type')!r} was replaced"
            for field, dst in (("href", "href"), ("title", "title"), ("rel", "roles"), ("type", "type")):
                if field in link:
                    ctx.account(here + (field,), [("assets", key, dst)], "lossy", reason)
            ctx.remove(here, "link field with no asset counterpart")
    if used_aoi:
        add_extension(ctx, ML_AOI)
