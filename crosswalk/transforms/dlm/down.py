"""Reverse edges to dlm: MLM 1.5.2 -> dlm beta.3 layout (dlm:data, dlm:inputs, dlm:outputs,
dlm:architecture, dlm:runtime, dlm:archive), beta.3 -> beta.2 (dtype/nodata_value), and MLM 1.5.2 -> the current
dlm layout (bands, dlm:input, dlm:output).

Only the first MLM input and output have a place (dlm describes one of each). Required dlm fields with no MLM
source are invented as placeholders (``--fill`` replaces them). dlm objects already present (parked by
``--keep-source`` on the way to MLM) win: the MLM fields they correspond to are dropped, which is how a dlm ->
MLM -> dlm round trip in lossless mode comes back unchanged.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from crosswalk.engine.ctx import Ctx
from crosswalk.language.pointer import Path
from crosswalk.transforms import table, transform
from crosswalk.transforms.mlm.down import _is_container, _keys_at_hosts
from crosswalk.transforms.mlm.up import _io_lists, model_assets

P = ("properties",)
BETA3_URI = "https://schemas.stacspec.org/v1.0.0-beta.3/extensions/dl-model/json-schema/schema.json"
BETA_TASKS = ("semantic segmentation", "classification", "object detection", "object segmentation")
NUMPY = ("byte", "short", "intc", "int_", "longlong", "int8", "int16", "int32", "int64", "ubyte", "ushort", "uintc",
         "uint", "ulonglong", "uint8", "uint16", "uint32", "uint64", "half", "double", "float_", "longfloat",
         "float16", "float32", "float64", "float96", "float128")
CHANNEL_DIMS = ("bands", "channel", "channels", "c", "band", "dim")
MB = 1048576


def _feature_props(ctx: Ctx) -> dict[str, Any] | None:
    props = ctx.get(P)
    if ctx.get(("type",)) != "Feature" or not isinstance(props, dict):
        return None
    return props


def _rel(ctx: Ctx, src: Path, dsts: list[Path], status: str, reason: str | None = None, *,
         whole: bool = False) -> None:
    """Every source leaf under ``src`` also lives at each of ``dsts`` now, with ``status``; no ``dsts``: the
    reason it has no place is noted. ``whole``: each dst is made from all of ``src`` in another shape (a task
    list becoming one task), so the leaves land on the dst itself, not on places below it.

    The MLM value itself stays where it is until downgrade.mlm_leftovers removes the MLM field (or
    --keep-source keeps it), so this is a copy in the ledger; the leftovers' removal then leaves the leaves at
    their dlm places only. Origins recorded on an ancestor of ``src`` (legacy norm_* fields that became the
    whole value_scaling, an input invented as a whole) follow the copy too."""
    if not dsts:  # annotate only: the leaf is dropped (or kept) with its MLM field by downgrade.mlm_leftovers
        ctx.changed(src, "kept", reason)
        return
    origins: list[Any] = []
    for d in dsts:
        origins += ctx.copied(src, d, whole=whole)
    for o in dict.fromkeys(origins):
        o.note(status, reason, ctx.step)


def _band_table(ctx: Ctx, props: dict[str, Any]) -> tuple[list[str], Path | None]:
    """Names of the band definitions, in order: item eo:bands, else the model asset's eo:bands or raster:bands."""
    places: list[Path] = [P + ("eo:bands",), P + ("bands",)]
    for key in model_assets(ctx.doc):
        places += [("assets", key, "eo:bands"), ("assets", key, "bands"), ("assets", key, "raster:bands")]
    for place in places:
        bands = ctx.get(place)
        if isinstance(bands, list) and bands:
            return [b.get("name") if isinstance(b, dict) else None for b in bands], place
    return [], None


def _input_bands(item: dict[str, Any]) -> list[tuple[int, str]]:
    out = []
    for i, b in enumerate(item.get("bands") or []):
        name = b.get("name") if isinstance(b, dict) else b
        if isinstance(name, str):
            out.append((i, name))
    return out


def _shape(item: dict[str, Any], inner: str) -> tuple[list[Any], list[Any]]:
    tensor = item.get(inner) if isinstance(item.get(inner), dict) else {}
    shape = tensor.get("shape") if isinstance(tensor.get("shape"), list) else []
    dims = tensor.get("dim_order") if isinstance(tensor.get("dim_order"), list) else []
    return shape, dims


# -- normalisation (value_scaling -> scaling_factor + mean/std) -------------------------------------------------
def _scalings(item: dict[str, Any], src: Path) -> list[tuple[Path, Any]]:
    """(path, scaling object) for each entry of value_scaling; one object written on its own (as pystac's MLM
    API writes it) is read as a one-element list, at its own path."""
    vs = item.get("value_scaling")
    if isinstance(vs, dict):
        return [(src, vs)]
    if isinstance(vs, list):
        return [(src + (str(i),), s) for i, s in enumerate(vs)]
    return []


def _normalisation(item: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None, str]:
    """({scaling_factor, mean, std}, lossy reason or None, transform reason) from value_scaling.

    No normalisation and no problem only for null or an empty list (no scaling); any value this cannot read
    exactly is a problem, so a number is never made up for it."""
    vs = item.get("value_scaling")
    if vs is None or vs == []:
        return None, None, ""
    if isinstance(vs, dict):
        vs = [vs]
    if not isinstance(vs, list) or not all(isinstance(s, dict) for s in vs):
        return None, "value_scaling is not a list of scaling objects; dlm has no place for it", ""
    kinds = {s.get("type") for s in vs}
    if kinds == {"z-score"} and all(isinstance(s.get("mean"), (int, float)) and isinstance(s.get("stddev"),
                                                                                          (int, float)) for s in vs):
        return ({"scaling_factor": 1.0, "mean": [s["mean"] for s in vs], "std": [s["stddev"] for s in vs]}, None,
                "z-score: mean and std with scaling_factor 1")
    if kinds == {"min-max"} and all(isinstance(s.get("minimum"), (int, float)) and isinstance(s.get("maximum"),
                                                                                             (int, float)) for s in vs):
        return ({"scaling_factor": 1.0, "mean": [s["minimum"] for s in vs],
                 "std": [s["maximum"] - s["minimum"] for s in vs]}, None,
                "min-max is exactly a z-score with mean minimum and std maximum - minimum")
    if kinds == {"offset"} and all(isinstance(s.get("value"), (int, float)) for s in vs):
        return ({"scaling_factor": 1.0, "mean": [s["value"] for s in vs], "std": [1.0] * len(vs)}, None,
                "offset v is a z-score with mean v and std 1")
    if (kinds == {"scale"} and len(vs) == 1 and isinstance(vs[0].get("value"), (int, float))
            and vs[0]["value"] > 0):
        return ({"scaling_factor": 1 / vs[0]["value"], "mean": [0.0], "std": [1.0]}, None,
                "scale v is scaling_factor 1/v")
    what = ", ".join(sorted(str(k) for k in kinds))
    return None, f"value_scaling of type {what} has no exact dlm normalisation (scaling_factor, mean, std)", ""


# -- tensors ------------------------------------------------------------------------------------------------------
def _tensor_dims(shape: list[Any], dims: list[Any]) -> tuple[dict[str, int], list[int], bool]:
    """dlm tensor members from an MLM shape/dim_order: {batch, channels, height, width}, unplaced axes, and
    whether a -1 (variable size; dlm needs >= 1) was written as 1."""
    out: dict[str, int] = {}
    unplaced: list[int] = []
    variable = False
    names = {"batch": "batch", "time": "time", "height": "height", "h": "height", "y": "height", "lat": "height",
             "width": "width", "w": "width", "x": "width", "lon": "width"}
    for i, n in enumerate(shape):
        d = dims[i] if i < len(dims) else None
        key = "channels" if isinstance(d, str) and d.lower() in CHANNEL_DIMS else names.get(str(d).lower())
        if key is None or key in out or not isinstance(n, int):
            unplaced.append(i)
            continue
        if n < 1:
            variable = True
            n = 1
        out[key] = n
    return out, unplaced, variable


def _tensor_ledger(ctx: Ctx, tsrc: Path, tdst: Path, shape: list[Any], dims: list[Any], tensor: dict[str, int],
                   unplaced: list[int], beta: bool) -> None:
    """Each axis of shape/dim_order goes to its named tensor member; an axis with no member is dropped."""
    why = "shape and dim_order became named tensor sizes"
    members = [k for k in tensor if not (beta and k == "time")]
    placed = [i for i in range(len(shape)) if i not in unplaced]
    for i, key in zip(placed, list(tensor), strict=True):
        axis = str(dims[i]) if i < len(dims) else str(i)
        if key not in members:
            for part in ("shape", "dim_order"):
                _rel(ctx, tsrc + (part, str(i)), [], "dropped", f"axis {axis}: the beta tensor has no time member")
            continue
        member = tdst + ("dim" if beta and key == "channels" else key,)
        n = shape[i]
        _rel(ctx, tsrc + ("shape", str(i)), [member], "lossy" if n < 1 else "transformed",
             f"{why}; -1 (variable size) written as 1 (dlm sizes are >= 1)" if n < 1 else why)
        if i < len(dims):
            _rel(ctx, tsrc + ("dim_order", str(i)), [member], "transformed", why)
    for i in unplaced:
        axis = str(dims[i]) if i < len(dims) else str(i)
        for part in ("shape", "dim_order"):
            _rel(ctx, tsrc + (part, str(i)), [], "dropped", f"axis {axis} has no dlm tensor member")


def _band_name_path(item: dict[str, Any], src: Path, i: int) -> Path:
    """Where band ``i``'s name is: the band itself (a bare name) or its ``name`` key (a band object)."""
    here = src + ("bands", str(i))
    return here + ("name",) if isinstance(item["bands"][i], dict) else here


# -- the main transform --------------------------------------------------------------------------------------------
def _to_dlm(ctx: Ctx, layout: str) -> None:
    props = _feature_props(ctx)
    if props is None:
        return
    beta = layout == "beta"
    inputs_key, outputs_key = ("dlm:inputs", "dlm:outputs") if beta else ("dlm:input", "dlm:output")
    _inputs(ctx, props, inputs_key, beta)
    _outputs(ctx, props, outputs_key, beta)
    if props.get(outputs_key) == {}:  # required in both layouts
        ctx.created(P + (outputs_key,), "invented", "dlm describes an output and MLM gives nothing for it")
    _architecture(ctx, props, beta)
    _settle(ctx, props, "dlm:architecture", beta, "nothing to describe")
    _runtime(ctx, props, beta)
    _settle(ctx, props, "dlm:runtime", beta, "nothing to describe")
    if beta:
        _archive(ctx, props)
        _data(ctx, props)
    else:
        _draft_bands(ctx, props)


def _inputs(ctx: Ctx, props: dict[str, Any], key: str, beta: bool) -> None:
    items = _io_lists(ctx, "mlm:input")
    if key in props:
        if items:
            ctx.remove(P + ("mlm:input",), f"{key} already present; kept that value")
        return
    out: dict[str, Any] = {}
    dst = P + (key,)
    props[key] = out
    if not items:
        ctx.created(dst, "invented", "dlm describes an input and MLM lists none")
        out["name"] = "input"
        _placeholder_inputs(ctx, out, dst, beta, 1)
        return
    src, item = items[0]
    for j, (other, _) in enumerate(items[1:], 1):
        _rel(ctx, other, [], "dropped", f"dlm describes one input; mlm:input/{j} has no place")
    if isinstance(item.get("name"), str):
        out["name"] = item["name"]
        _rel(ctx, src + ("name",), [dst + ("name",)], "moved")
    else:
        ctx.invent(dst + ("name",), "input", "dlm names the input tensor; MLM gives no name")
    shape, dims = _shape(item, "input")
    tensor, unplaced, variable = _tensor_dims(shape, dims)
    bands = _input_bands(item)
    nchannels = tensor.get("channels") or len(bands) or 1
    # tensors
    tsrc = src + ("input",)
    if tensor:
        if beta:
            value = {k if k != "channels" else "dim": v for k, v in tensor.items() if k != "time"}
            out["input_tensors"] = [value]
            tdst = dst + ("input_tensors", "0")
        else:
            out["input_tensors"] = dict(tensor)
            tdst = dst + ("input_tensors",)
        _tensor_ledger(ctx, tsrc, tdst, shape, dims, tensor, unplaced, beta)
    else:
        placeholder = {"batch": 1, "dim" if beta else "channels": nchannels, "height": 1, "width": 1}
        ctx.invent(dst + ("input_tensors",), [placeholder] if beta else placeholder,
                   "dlm needs the input tensor sizes; MLM gives no usable shape")
    if "data_type" in (item.get("input") or {}):
        _rel(ctx, tsrc + ("data_type",), [], "dropped", "dlm has only the data type of the source imagery")
    # bands
    names, table_path = _band_table(ctx, props)
    if bands:
        if beta:
            idx = [names.index(n) if n in names else None for _, n in bands]
            if all(i is not None for i in idx):
                out["selected_bands"] = idx
                for j, (i, _) in enumerate(bands):
                    _rel(ctx, _band_name_path(item, src, i), [dst + ("selected_bands", str(j))], "transformed",
                         "band name became its index in the band definitions")
            else:
                out["selected_bands"] = list(range(len(bands)))
                for _, (i, _) in enumerate(bands):
                    _rel(ctx, src + ("bands", str(i)), [], "dropped",
                         "band not found in the band definitions; selected_bands is its position (placeholder)")
                ctx.created(dst + ("selected_bands",), "invented", "bands not in the band definitions")
        else:
            out["band_names"] = [n for _, n in bands]
            for j, (i, _) in enumerate(bands):
                objects = isinstance(item["bands"][i], dict)
                _rel(ctx, _band_name_path(item, src, i), [dst + ("band_names", str(j))],
                     "lossy" if objects else "moved",
                     "band object written as its bare name (the object form is not restored)" if objects else None)
        for i, b in enumerate(item.get("bands") or []):
            if isinstance(b, dict):
                for k in b:
                    if k != "name":
                        _rel(ctx, src + ("bands", str(i), k), [], "dropped",
                             f"band {k} (derived bands) has no dlm counterpart")
    elif beta:
        out["selected_bands"] = list(range(nchannels))
        ctx.created(dst + ("selected_bands",), "invented", "dlm needs selected_bands; MLM lists no bands")
    # normalisation
    norm, problem, why = _normalisation(item)
    mkey, skey = ("normalization:mean", "normalization:std") if beta else ("mean", "std")
    if norm is not None:
        out["scaling_factor"] = norm["scaling_factor"]
        out[mkey] = norm["mean"]
        out[skey] = norm["std"]
        vsrc = src + ("value_scaling",)
        scalings = _scalings(item, vsrc)
        if isinstance(item["value_scaling"], dict):
            why += "; the single value_scaling object read as a one-element list"
        for i, (at, s) in enumerate(scalings):
            for k in s:
                here = at + (k,)
                if k == "type":
                    dsts = [dst + ("scaling_factor",)]
                elif k in ("mean", "minimum", "value") and s["type"] != "scale":
                    dsts = [dst + (mkey, str(i))] + ([dst + (skey, str(i))] if k == "minimum" else [])
                elif k in ("stddev", "maximum"):
                    dsts = [dst + (skey, str(i))]
                elif k == "value":
                    dsts = [dst + ("scaling_factor",)]
                else:
                    _rel(ctx, here, [], "dropped", f"value_scaling field {k!r} has no dlm counterpart")
                    continue
                _rel(ctx, here, dsts, "transformed", why)
        if any(s.get("type") == "scale" for _, s in scalings):
            ctx.created(dst + (mkey,), "invented", "scale only: mean 0")
            ctx.created(dst + (skey,), "invented", "scale only: std 1")
        elif any(s.get("type") == "offset" for _, s in scalings):
            ctx.created(dst + (skey,), "invented", "offset only: std 1")
    else:
        if problem:
            _rel(ctx, src + ("value_scaling",), [], "dropped", problem)
        elif "value_scaling" in item and beta:  # null or []: no scaling, which is factor 1, mean 0, std 1
            _rel(ctx, src + ("value_scaling",), [dst + ("scaling_factor",)], "transformed",
                 "no value scaling: factor 1, mean 0, std 1", whole=True)
        elif "value_scaling" in item:
            _rel(ctx, src + ("value_scaling",), [], "dropped",
                 "value_scaling null: no normalisation, which dlm says by writing none")
        if beta:
            _placeholder_norm(ctx, out, dst, nchannels, mkey, skey)
    pre = item.get("pre_processing_function")
    if isinstance(pre, dict) and pre.get("format") == "python" and isinstance(pre.get("expression"), str) and beta:
        out["pre_processing_function"] = pre["expression"]
        _rel(ctx, src + ("pre_processing_function", "expression"), [dst + ("pre_processing_function",)],
             "transformed", "python expression became the function name")
        _rel(ctx, src + ("pre_processing_function", "format"), [dst + ("pre_processing_function",)],
             "transformed", "python expression became the function name")


def _placeholder_inputs(ctx: Ctx, out: dict[str, Any], dst: Path, beta: bool, n: int) -> None:
    if beta:
        out["input_tensors"] = [{"batch": 1, "dim": n, "height": 1, "width": 1}]
        out["selected_bands"] = list(range(n))
        _placeholder_norm(ctx, out, dst, n, "normalization:mean", "normalization:std", created=True)


def _placeholder_norm(ctx: Ctx, out: dict[str, Any], dst: Path, n: int, mkey: str, skey: str,
                      created: bool = False) -> None:
    out.setdefault("scaling_factor", 1.0)
    out.setdefault(mkey, [0.0])
    out.setdefault(skey, [1.0])
    if not created:
        for k in ("scaling_factor", mkey, skey):
            if not ctx.origins(dst + (k,)):
                ctx.created(dst + (k,), "invented", "no normalisation in MLM: factor 1, mean 0, std 1")


def _outputs(ctx: Ctx, props: dict[str, Any], key: str, beta: bool) -> None:
    items = _io_lists(ctx, "mlm:output")
    tasks_path = P + ("mlm:tasks",)
    if key in props:
        for k in ("mlm:output", "mlm:tasks"):
            if k in props:
                ctx.remove(P + (k,), f"{key} already present; kept that value")
        return
    out: dict[str, Any] = {}
    dst = P + (key,)
    props[key] = out
    src, item = items[0] if items else (None, {})
    for j, (other, _) in enumerate(items[1:], 1):
        _rel(ctx, other, [], "dropped", f"dlm describes one output; mlm:output/{j} has no place")
    # task
    names = [t for t in (item.get("tasks") or props.get("mlm:tasks") or []) if isinstance(t, str)]
    task_src = (src + ("tasks",)) if item.get("tasks") else tasks_path
    if beta:
        mapping = table("mlm_tasks_to_dlm_beta")
        mapped = [mapping.get(t) for t in names if mapping.get(t)]
        if mapped:
            out["task"] = mapped[0]
            exact = len(names) == 1 and names[0].replace("-", " ") == mapped[0]
            _rel(ctx, task_src, [dst + ("task",)], "transformed" if exact else "lossy",
                 "task written with the dlm spelling" if exact else
                 f"dlm beta has one task of {', '.join(BETA_TASKS)}; {', '.join(names)} became {mapped[0]!r}",
                 whole=True)
        else:
            if names:
                _rel(ctx, task_src, [], "dropped", f"{', '.join(names)}: no dlm beta task (closed enum)")
            ctx.invent(dst + ("task",), "classification", "dlm beta requires a task of its enum; none maps")
    elif names:
        out["task"] = names[0].replace("-", " ")
        _rel(ctx, task_src, [dst + ("task",)], "transformed" if len(names) == 1 else "lossy",
             "task written with the dlm spelling" if len(names) == 1 else
             f"dlm has one task; {', '.join(names)} became {out['task']!r}", whole=True)
    if task_src != tasks_path and "mlm:tasks" in props:
        same = [t for t in props["mlm:tasks"] if isinstance(t, str)] == names
        fates = [o.status for o in ctx.origins(dst + ("task",)) if not o.created]
        if same and fates:  # the same fate as the output's task list
            _rel(ctx, tasks_path, [dst + ("task",)], fates[0], "the same task list as the output's", whole=True)
        else:
            _rel(ctx, tasks_path, [], "dropped", "mlm:tasks differs from the output's tasks; dlm has one task")
    # classes
    classes = item.get("classification:classes") if isinstance(item.get("classification:classes"), list) else []
    cpath = (src + ("classification:classes",)) if src else None
    mapping_out = []
    for i, c in enumerate(classes):
        if not isinstance(c, dict) or not isinstance(c.get("value"), int):
            _rel(ctx, cpath + (str(i),), [], "dropped", "a class without an integer value")
            continue
        label = next((c[k] for k in ("description", "title", "name") if isinstance(c.get(k), str)), None)
        j = len(mapping_out)
        mapping_out.append({"index": c["value"], "class_name": label or f"class {c['value']}"})
        here = dst + ("class_name_mapping", str(j))
        for k in c:
            if k == "value":
                _rel(ctx, cpath + (str(i), k), [here + ("index",)], "moved")
            elif k == "description" and label == c[k]:
                _rel(ctx, cpath + (str(i), k), [here + ("class_name",)], "moved")
            elif k in ("title", "name") and label == c[k]:
                _rel(ctx, cpath + (str(i), k), [here + ("class_name",)], "moved")
            else:
                _rel(ctx, cpath + (str(i), k), [], "dropped", f"class {k} has no dlm counterpart")
    if mapping_out:
        out["class_name_mapping"] = mapping_out
        out["number_of_classes"] = len(mapping_out)
        ctx.created(dst + ("number_of_classes",), "invented", "the number of classes listed")
    elif beta:
        ctx.invent(dst + ("class_name_mapping",), [{"index": 0, "class_name": "class 0"}],
                   "dlm beta requires class_name_mapping; MLM lists no classes")
        ctx.invent(dst + ("number_of_classes",), 1, "dlm beta requires number_of_classes >= 1")
    # final layer
    shape, _ = _shape(item, "result")
    if shape and all(isinstance(n, int) for n in shape):
        out["final_layer_size"] = [n if n >= 1 else 1 for n in shape]
        variable = any(n < 1 for n in shape)
        _rel(ctx, src + ("result", "shape"), [dst + ("final_layer_size",)], "lossy" if variable else "moved",
             "-1 (variable size) written as 1 (dlm sizes are >= 1)" if variable else None)
    elif beta:
        ctx.invent(dst + ("final_layer_size",), [1], "dlm beta requires final_layer_size; MLM gives no shape")
    hyper = props.get("mlm:hyperparameters")
    if isinstance(hyper, dict) and isinstance(hyper.get("dont_care_index"), int) and beta:
        out["dont_care_index"] = hyper["dont_care_index"]
        _rel(ctx, P + ("mlm:hyperparameters", "dont_care_index"), [dst + ("dont_care_index",)], "moved")
    post = item.get("post_processing_function")
    if isinstance(post, dict) and post.get("format") == "python" and isinstance(post.get("expression"), str) and beta:
        out["post_processing_function"] = post["expression"]
        for k in ("expression", "format"):
            _rel(ctx, src + ("post_processing_function", k), [dst + ("post_processing_function",)], "transformed",
                 "python expression became the function name", whole=True)


def _settle(ctx: Ctx, props: dict[str, Any], key: str, beta: bool, why: str) -> None:
    """An object left empty: required in the beta layout (invented, empty), omitted in the current one."""
    if props.get(key) == {}:
        if beta:
            ctx.created(P + (key,), "invented", why)
        else:
            props.pop(key)


def _architecture(ctx: Ctx, props: dict[str, Any], beta: bool) -> None:
    if "dlm:architecture" in props:
        for k in ("mlm:architecture", "mlm:total_parameters", "mlm:memory_size", "mlm:pretrained",
                  "mlm:pretrained_source"):
            if k in props:
                ctx.remove(P + (k,), "dlm:architecture already present; kept that value")
        return
    dst = P + ("dlm:architecture",)
    arch: dict[str, Any] = {}
    props["dlm:architecture"] = arch
    pairs = [("mlm:architecture", "type"), ("mlm:total_parameters", "total_nb_parameters" if beta
                                                                   else "total_parameters")]
    for mkey, dkey in pairs:
        if mkey in props:
            arch[dkey] = props[mkey]
            _rel(ctx, P + (mkey,), [dst + (dkey,)], "moved")
    size_key = "estimated_total_size_mb" if beta else "ram_size_mb"
    if isinstance(props.get("mlm:memory_size"), (int, float)):
        arch[size_key] = props["mlm:memory_size"] / MB
        _rel(ctx, P + ("mlm:memory_size",), [dst + (size_key,)], "lossy",
             f"bytes / 1048576 = MB; {size_key} is an estimate")
    if not beta and isinstance(props.get("file:size"), (int, float)):
        arch["on_disk_size_mb"] = props["file:size"] / MB
        ctx.copied(P + ("file:size",), dst + ("on_disk_size_mb",), "bytes / 1048576 = MB")
    if isinstance(props.get("mlm:pretrained_source"), str):
        arch["pretrained"] = props["mlm:pretrained_source"]
        _rel(ctx, P + ("mlm:pretrained_source",), [dst + ("pretrained",)], "moved")
        if "mlm:pretrained" in props:
            _rel(ctx, P + ("mlm:pretrained",), [dst + ("pretrained",)], "transformed", "implied by the source")
    elif props.get("mlm:pretrained") is False:
        arch["pretrained"] = "none"
        _rel(ctx, P + ("mlm:pretrained",), [dst + ("pretrained",)], "transformed", "not pretrained: 'none'")
    if beta:
        for k, value, why in (("total_nb_parameters", 0, "dlm beta requires it; MLM gives none (0)"),
                              ("estimated_total_size_mb", 0, "dlm beta requires it; MLM gives no memory size"),
                              ("type", "unknown", "dlm beta requires the architecture type"),
                              ("pretrained", "unknown", "dlm beta requires a pretraining string")):
            if k not in arch:
                ctx.invent(dst + (k,), value, why)


def _runtime(ctx: Ctx, props: dict[str, Any], beta: bool) -> None:
    assets = ctx.get(("assets",)) if isinstance(ctx.get(("assets",)), dict) else {}
    if "dlm:runtime" in props:
        for k in ("mlm:framework", "mlm:framework_version", "mlm:accelerator"):
            if k in props:
                ctx.remove(P + (k,), "dlm:runtime already present; kept that value")
        docker = props["dlm:runtime"].get("docker") if isinstance(props["dlm:runtime"], dict) else None
        dockerfile = docker.get("docker_file") if isinstance(docker, dict) else None
        for key in [k for k, a in assets.items() if isinstance(a, dict) and (
                _is_container(a) or "mlm:source_code" in (a.get("roles") or [])
                or (dockerfile and a.get("href") == dockerfile))]:
            _same_as_parked(ctx, ("assets", key), "dlm:runtime")
        return
    dst = P + ("dlm:runtime",)
    rt: dict[str, Any] = {}
    props["dlm:runtime"] = rt
    for mkey, dkey in (("mlm:framework", "framework"), ("mlm:framework_version", "version")):
        if isinstance(props.get(mkey), str):
            rt[dkey] = props[mkey]
            _rel(ctx, P + (mkey,), [dst + (dkey,)], "moved")
    if not beta:
        model = model_assets(ctx.doc)
        if model:
            rt["model_artifact"] = assets[model[0]].get("href")
            ctx.copied(("assets", model[0], "href"), dst + ("model_artifact",), "the model file")
        if isinstance(props.get("mlm:batch_size_suggestion"), (int, float)):
            rt["batch_size_suggestion"] = props["mlm:batch_size_suggestion"]
            _rel(ctx, P + ("mlm:batch_size_suggestion",), [dst + ("batch_size_suggestion",)], "moved")
    for key, asset in list(assets.items()):
        if not isinstance(asset, dict):
            continue
        here = ("assets", key)
        if "mlm:source_code" in (asset.get("roles") or []) and "model_src_url" not in rt:
            rt["model_src_url"] = asset.get("href")
            _rel(ctx, here + ("href",), [dst + ("model_src_url",)], "moved", "the source-code asset")
            if isinstance(asset.get("mlm:entrypoint"), str):
                rt["model_handler"] = asset["mlm:entrypoint"]
                _rel(ctx, here + ("mlm:entrypoint",), [dst + ("model_handler",)], "moved")
            del assets[key]
            ctx.account(here, [], "dropped", "the source-code asset became dlm:runtime.model_src_url")
        elif _is_container(asset) and "docker" not in rt:
            href = str(asset.get("href", ""))
            image, _, tag = href.rpartition(":") if ":" in href.rsplit("/", 1)[-1] else (href, "", "")
            docker: dict[str, Any] = {"image_name": image or href}
            if tag:
                docker["tag"] = tag
            rt["docker"] = docker
            _rel(ctx, here + ("href",), [dst + ("docker", "image_name")] + ([dst + ("docker", "tag")] if tag else []),
                 "transformed" if tag else "moved", "image:tag split at the last ':'" if tag else None)
            accel = props.get("mlm:accelerator")
            gpu = accel in ("cuda", "amd-rocm", "intel-ipex-gpu", "xla", "macos-arm")
            key_gpu = "gpu" if beta else "accelerator"
            docker[key_gpu] = gpu
            if "mlm:accelerator" in props:
                _rel(ctx, P + ("mlm:accelerator",), [dst + ("docker", key_gpu)], "lossy",
                     f"{accel!r} reduced to {gpu}")
            else:
                ctx.created(dst + ("docker", key_gpu), "invented", "no accelerator given: false")
            if beta:
                for k, why in (("working_dir", "required by dlm beta docker; unknown"),
                               ("run", "required by dlm beta docker; unknown")):
                    ctx.invent(dst + ("docker", k), "", why)
            del assets[key]
            ctx.account(here, [], "dropped", "the container asset became dlm:runtime.docker")
    if beta:
        for k, why in (("framework", "dlm beta requires a framework; MLM names none"),
                       ("version", "dlm beta requires the framework version; MLM gives none"),
                       ("model_handler", "dlm beta requires the model handler; MLM gives no mlm:entrypoint"),
                       ("model_src_url", "dlm beta requires the source URL; MLM has no source-code asset"),
                       ("requirement_file", "dlm beta requires a requirement file; MLM has none")):
            if k not in rt:
                ctx.invent(dst + (k,), "unknown" if k == "framework" else "", why)


def _archive(ctx: Ctx, props: dict[str, Any]) -> None:
    if "dlm:archive" in props:
        return
    dst = P + ("dlm:archive",)
    models = model_assets(ctx.doc)
    if models:
        href = str(ctx.get(("assets", models[0], "href")) or "")
        name = href.rstrip("/").rsplit("/", 1)[-1].split("?")[0] or href
        props["dlm:archive"] = [{"name": name, "role": "model weight"}]
        ctx.copied(("assets", models[0], "href"), dst + ("0", "name"), "the model file's name")
        ctx.created(dst + ("0", "role"), "invented", "the mlm:model asset is the model weight")
    else:
        ctx.invent(dst, [{"name": "unknown", "role": "other"}], "dlm beta requires an archive listing")


def _same_as_parked(ctx: Ctx, path: Path, why: str) -> None:
    ctx.remove(path, f"the MLM direction made it from {why}, which is present again; kept that")


def _data_by_products(ctx: Ctx, props: dict[str, Any]) -> None:
    """dlm:data present (kept by --keep-source): what the MLM direction derived from it goes."""
    data = props["dlm:data"]
    if not isinstance(data, dict):
        return
    if "processing:level" in props and props["processing:level"] == data.get("process_level"):
        _same_as_parked(ctx, P + ("processing:level",), "dlm:data.process_level")
    urls = {e.get("url") for e in data.get("item_examples") or [] if isinstance(e, dict)}
    links = ctx.get(("links",)) if isinstance(ctx.get(("links",)), list) else []
    for i in range(len(links) - 1, -1, -1):
        link = links[i]
        if isinstance(link, dict) and link.get("rel") == "related" and link.get("href") in urls:
            _same_as_parked(ctx, ("links", str(i)), "dlm:data.item_examples")
    dtype = data.get("data_type", data.get("dtype"))
    for key in model_assets(ctx.doc):
        asset = ctx.get(("assets", key))
        bands = asset.get("raster:bands")
        if isinstance(bands, list) and bands and all(isinstance(b, dict) and b.get("data_type") == dtype
                                                    for b in bands):
            _same_as_parked(ctx, ("assets", key, "raster:bands"), "dlm:data (data type and nodata)")
    # a copy of the item's eo:bands on the model asset stays: eo v1.1.0 allows eo:bands in the item properties
    # only when an asset has them too


def _data(ctx: Ctx, props: dict[str, Any]) -> None:
    if "dlm:data" in props:
        _data_by_products(ctx, props)
        return
    dst = P + ("dlm:data",)
    data: dict[str, Any] = {}
    props["dlm:data"] = data
    level = props.get("processing:level")
    if isinstance(level, str) and re.fullmatch(r"raw|ortho|L[0-3]", level):
        data["process_level"] = props.pop("processing:level")
        ctx.moved(P + ("processing:level",), dst + ("process_level",))
    elif isinstance(level, str) and re.fullmatch(r"L[0-3][A-Z]?", level):
        data["process_level"] = level[:2]
        ctx.copied(P + ("processing:level",), dst + ("process_level",), f"{level} read as {level[:2]}")
    else:
        ctx.invent(dst + ("process_level",), "raw", "dlm beta requires a processing level; none is given")
    names, place = _band_table(ctx, props)
    # data type and nodata from the model asset's raster:bands (where the MLM direction put them)
    dtype = nodata = None
    for key in model_assets(ctx.doc):
        for i, band in enumerate(ctx.get(("assets", key, "raster:bands")) or []):
            if isinstance(band, dict):
                if dtype is None and band.get("data_type") in NUMPY:
                    dtype = (("assets", key, "raster:bands", str(i), "data_type"), band["data_type"])
                if nodata is None and isinstance(band.get("nodata"), (int, float)):
                    nodata = (("assets", key, "raster:bands", str(i), "nodata"), band["nodata"])
    if dtype:
        data["data_type"] = dtype[1]
        ctx.copied(dtype[0], dst + ("data_type",), "the first raster band's data type")
    else:
        items = _io_lists(ctx, "mlm:input")
        t = (items[0][1].get("input") or {}).get("data_type") if items else None
        data["data_type"] = t if t in NUMPY else "float32"
        ctx.created(dst + ("data_type",), "invented",
                          "no raster band data type; the input tensor's" if t in NUMPY else "unknown; float32")
    if nodata:
        data["nodata"] = nodata[1]
        ctx.copied(nodata[0], dst + ("nodata",), "the first raster band's nodata")
    data["number_of_bands"] = max(len(names), 1)
    ctx.created(dst + ("number_of_bands",), "invented",
                      "the number of band definitions" if names else "no band definitions: 1")
    items = _io_lists(ctx, "mlm:input")
    bands = _input_bands(items[0][1]) if items else []
    useful = [{"index": names.index(n), "name": n} for _, n in bands if n in names]
    if useful:
        data["useful_bands"] = useful
        ctx.created(dst + ("useful_bands",), "invented", "the input bands with their definition indices")
    # dlm beta reads band definitions as item-level eo:bands; the asset keeps its copy (eo v1.1.0 allows
    # eo:bands in the item properties only when an asset has them too)
    if place is not None and place[0] == "assets" and place[-1] == "eo:bands" and "eo:bands" not in props:
        props["eo:bands"] = copy.deepcopy(ctx.get(place))
        ctx.copied(place, P + ("eo:bands",), "dlm reads eo:bands in the item properties")


def _draft_bands(ctx: Ctx, props: dict[str, Any]) -> None:
    """The current dlm layout uses STAC 1.1 `bands` at item level."""
    if "bands" in props:
        return
    for key in model_assets(ctx.doc):
        asset = ctx.get(("assets", key))
        if isinstance(asset.get("bands"), list):
            props["bands"] = asset.pop("bands")
            ctx.moved(("assets", key, "bands"), P + ("bands",), "the current dlm reads bands at item level")
            return


@transform("downgrade.to_dlm_beta", reads=("properties.mlm:*", "assets"),
           writes=("properties.dlm:inputs", "properties.dlm:outputs", "properties.dlm:architecture",
                   "properties.dlm:runtime", "properties.dlm:archive", "properties.dlm:data", "properties.eo:bands",
                   "properties.processing:level", "links"))
def to_dlm_beta(ctx: Ctx) -> None:
    """MLM fields become the dlm beta.3 objects; required fields with no source are invented."""
    _to_dlm(ctx, "beta")


@transform("downgrade.to_dlm_draft", reads=("properties.mlm:*", "assets"),
           writes=("properties.dlm:input", "properties.dlm:output", "properties.dlm:architecture",
                   "properties.dlm:runtime", "properties.bands"))
def to_dlm_draft(ctx: Ctx) -> None:
    """MLM fields become the current dlm objects."""
    _to_dlm(ctx, "draft")


@transform("downgrade.model_asset_roles", reads=("assets.*.roles",), writes=("assets.*.roles",))
def model_asset_roles(ctx: Ctx) -> None:
    """The MLM model roles become the dlm 'model artefact' role (the forward direction's inverse)."""
    from crosswalk.transforms.mlm.down import _rewrite_list

    for key in model_assets(ctx.doc):
        roles = ctx.get(("assets", key, "roles"))
        mlm = {"mlm:model", "model", "mlm:weights", "mlm:checkpoint"}
        new: list[Any] = []
        fate: dict[int, tuple[list[int], str, str | None]] = {}
        for i, role in enumerate(roles):
            value = "model artefact" if role in mlm else role
            if value not in new:
                new.append(value)
            j = new.index(value)
            exact = set(roles) & mlm == {"mlm:model", "model"}
            fate[i] = ([j], ("transformed" if exact else "lossy") if role in mlm else ("kept" if i == j else "moved"),
                       ("MLM model roles became the dlm 'model artefact' role" if exact else
                        "MLM model roles merged into the dlm 'model artefact' role") if role in mlm else None)
        _rewrite_list(ctx, ("assets", key, "roles"), new, fate)


@transform("downgrade.mlm_leftovers", reads=("properties.mlm:*", "assets.*.mlm:*", "summaries.mlm:*"), writes=())
def mlm_leftovers(ctx: Ctx, target: str = "the target") -> None:
    """Every MLM field left has no place in the target: dropped (kept with --keep-source where accepted)."""
    for host_path, host in _keys_at_hosts(ctx.doc):
        for key in [k for k in host if isinstance(k, str) and k.startswith("mlm:")]:
            ctx.remove(host_path + (key,), f"{target} has no field for {key}")
