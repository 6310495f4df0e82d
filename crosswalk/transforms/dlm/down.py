"""The logic of the edges MLM 1.5.2 -> dlm (the beta.3 layout: dlm:inputs, dlm:outputs, dlm:architecture,
dlm:runtime, dlm:archive, dlm:data; the current layout: dlm:input, dlm:output, bands).

What is data lives in the ``down:`` rules of the mapping files: the renames, the placeholders for required dlm
fields with no MLM source (``--fill`` replaces them), the drops of MLM fields whose dlm object is already present
(parked by ``--keep-source`` on the way to MLM, so a lossless round trip comes back unchanged). The rules run these
transforms inside an Item's properties, guarded so that a dlm object already there is not written again
(dlm_inputs and dlm_archive look for theirs themselves). Only the first MLM input and output have a place (dlm
describes one of each).
"""

from __future__ import annotations

import copy
import re
from typing import Any

from crosswalk.engine.ctx import Ctx
from crosswalk.language.pointer import Path
from crosswalk.transforms import table, transform
from crosswalk.transforms.mlm.down import _is_container
from crosswalk.transforms.mlm.up import _io_lists, model_assets

P = ("properties",)
BETA_TASKS = ("semantic segmentation", "classification", "object detection", "object segmentation")
NUMPY = ("byte", "short", "intc", "int_", "longlong", "int8", "int16", "int32", "int64", "ubyte", "ushort", "uintc",
         "uint", "ulonglong", "uint8", "uint16", "uint32", "uint64", "half", "double", "float_", "longfloat",
         "float16", "float32", "float64", "float96", "float128")
CHANNEL_DIMS = ("bands", "channel", "channels", "c", "band", "dim")
MB = 1048576


def _rel(ctx: Ctx, src: Path, dsts: list[Path], status: str, reason: str | None = None, *,
         whole: bool = False) -> None:
    """Every source leaf under ``src`` also lives at each of ``dsts`` now, with ``status``; no ``dsts``: the
    reason it has no place is noted. ``whole``: each dst is made from all of ``src`` in another shape (a task
    list becoming one task), so the leaves land on the dst itself, not on places below it.

    The MLM value itself stays where it is until the closing `drop` of mlm:* keys removes the MLM field (or
    --keep-source keeps it), so this is a copy in the ledger; the leftovers' removal then leaves the leaves at
    their dlm places only. Origins recorded on an ancestor of ``src`` (legacy norm_* fields that became the
    whole value_scaling, an input invented as a whole) follow the copy too."""
    if not dsts:  # annotate only: the leaf is dropped (or kept) with its MLM field by the closing mlm:* drop
        ctx.changed(src, "kept", reason)
        return
    for d in dsts:
        ctx.copied(src, d, reason, whole=whole, status=status)


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
def _tensor_dims(shape: list[Any], dims: list[Any]) -> tuple[dict[str, int], list[int]]:
    """dlm tensor members from an MLM shape/dim_order ({batch, channels, height, width}; a -1, variable size, is
    written as 1: dlm needs >= 1) and the axes with no member."""
    out: dict[str, int] = {}
    unplaced: list[int] = []
    names = {"batch": "batch", "time": "time", "height": "height", "h": "height", "y": "height", "lat": "height",
             "width": "width", "w": "width", "x": "width", "lon": "width"}
    for i, n in enumerate(shape):
        d = dims[i] if i < len(dims) else None
        key = "channels" if isinstance(d, str) and d.lower() in CHANNEL_DIMS else names.get(str(d).lower())
        if key is None or key in out or not isinstance(n, int):
            unplaced.append(i)
            continue
        out[key] = max(n, 1)
    return out, unplaced


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


# -- the input ---------------------------------------------------------------------------------------------------
def _inputs_key(layout: str) -> str:
    return "dlm:inputs" if layout == "beta" else "dlm:input"


def _outputs_key(layout: str) -> str:
    return "dlm:outputs" if layout == "beta" else "dlm:output"


@transform("downgrade.dlm_inputs",
           reads=("properties.mlm:input", "properties.{eo:bands,bands}",
                  "assets.<model>.{eo:bands,bands,raster:bands}"),
           writes=("properties.dlm:input(s)",))
def dlm_inputs(ctx: Ctx, layout: str) -> None:
    """The first MLM input becomes the dlm input: its name, tensor sizes from shape/dim_order, its bands (band names,
    or in the beta layout indices into the band definitions) and a normalisation from value_scaling."""
    _inputs(ctx, ctx.get(P), _inputs_key(layout), layout == "beta")


def _inputs(ctx: Ctx, props: dict[str, Any], key: str, beta: bool) -> None:
    items = _io_lists(ctx, "mlm:input")
    if key in props:
        if items:
            ctx.remove(P + ("mlm:input",), f"{key} already present; kept that value")
        return
    if not items:
        return  # the rule after this one invents a placeholder input
    out: dict[str, Any] = {}
    dst = P + (key,)
    props[key] = out
    src, item = items[0]
    for j, (other, _) in enumerate(items[1:], 1):
        _rel(ctx, other, [], "dropped", f"dlm describes one input; mlm:input/{j} has no place")
    if isinstance(item.get("name"), str):
        out["name"] = item["name"]
        _rel(ctx, src + ("name",), [dst + ("name",)], "moved")
    else:
        ctx.invent(dst + ("name",), "input", "dlm names the input tensor; MLM gives no name")
    shape, dims = _shape(item, "input")
    tensor, unplaced = _tensor_dims(shape, dims)
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
    _input_band_list(ctx, props, out, dst, src, item, bands, nchannels, beta)
    _input_normalisation(ctx, out, dst, src, item, nchannels, beta)
    pre = item.get("pre_processing_function")
    if isinstance(pre, dict) and pre.get("format") == "python" and isinstance(pre.get("expression"), str) and beta:
        out["pre_processing_function"] = pre["expression"]
        _rel(ctx, src + ("pre_processing_function", "expression"), [dst + ("pre_processing_function",)],
             "transformed", "python expression became the function name")
        _rel(ctx, src + ("pre_processing_function", "format"), [dst + ("pre_processing_function",)],
             "transformed", "python expression became the function name")


def _input_band_list(ctx: Ctx, props: dict[str, Any], out: dict[str, Any], dst: Path, src: Path,
                     item: dict[str, Any], bands: list[tuple[int, str]], nchannels: int, beta: bool) -> None:
    """The input's bands: band_names (current layout) or selected_bands, indices into the band definitions."""
    names, _ = _band_table(ctx, props)
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


def _input_normalisation(ctx: Ctx, out: dict[str, Any], dst: Path, src: Path, item: dict[str, Any],
                         nchannels: int, beta: bool) -> None:
    """value_scaling becomes scaling_factor, mean and std where it maps exactly (see ``_normalisation``)."""
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
        return
    no_scaling = False
    if problem:
        _rel(ctx, src + ("value_scaling",), [], "dropped", problem)
    elif "value_scaling" in item and beta:  # null or []: no scaling, which is factor 1, mean 0, std 1
        no_scaling = True
        _rel(ctx, src + ("value_scaling",), [dst + ("scaling_factor",)], "transformed",
             "no value scaling: factor 1, mean 0, std 1", whole=True)
    elif "value_scaling" in item:
        _rel(ctx, src + ("value_scaling",), [], "dropped",
             "value_scaling null: no normalisation, which dlm says by writing none")
    if beta:  # the beta layout requires a normalisation: the neutral one
        out["scaling_factor"] = 1.0
        out[mkey] = [0.0]
        out[skey] = [1.0]
        for k in ("scaling_factor", mkey, skey):
            if not (no_scaling and k == "scaling_factor"):  # that one stands for value_scaling
                ctx.created(dst + (k,), "invented", "no normalisation in MLM: factor 1, mean 0, std 1")


# -- the output ----------------------------------------------------------------------------------------------------
def _first_output(ctx: Ctx) -> tuple[Path | None, dict[str, Any]]:
    items = _io_lists(ctx, "mlm:output")
    return items[0] if items else (None, {})


@transform("downgrade.dlm_output_task", reads=("properties.mlm:output", "properties.mlm:tasks"),
           writes=("properties.dlm:output(s).task",))
def dlm_output_task(ctx: Ctx, layout: str) -> None:
    """The first output's tasks (else mlm:tasks) become the one dlm task; in the beta layout only a task of its
    closed enum (table mlm_tasks_to_dlm_beta). Outputs after the first have no place."""
    props = ctx.get(P)
    beta = layout == "beta"
    dst = P + (_outputs_key(layout),)
    tasks_path = P + ("mlm:tasks",)
    items = _io_lists(ctx, "mlm:output")
    src, item = items[0] if items else (None, {})
    for j, (other, _) in enumerate(items[1:], 1):
        _rel(ctx, other, [], "dropped", f"dlm describes one output; mlm:output/{j} has no place")
    names = [t for t in (item.get("tasks") or props.get("mlm:tasks") or []) if isinstance(t, str)]
    task_src = (src + ("tasks",)) if item.get("tasks") else tasks_path
    if beta:
        mapping = table("mlm_tasks_to_dlm_beta")
        mapped = [mapping.get(t) for t in names if mapping.get(t)]
        if mapped:
            ctx.put(dst + ("task",), mapped[0])
            exact = len(names) == 1 and names[0].replace("-", " ") == mapped[0]
            _rel(ctx, task_src, [dst + ("task",)], "transformed" if exact else "lossy",
                 "task written with the dlm spelling" if exact else
                 f"dlm beta has one task of {', '.join(BETA_TASKS)}; {', '.join(names)} became {mapped[0]!r}",
                 whole=True)
        elif names:  # the rule after this one invents a task
            _rel(ctx, task_src, [], "dropped", f"{', '.join(names)}: no dlm beta task (closed enum)")
    elif names:
        task = names[0].replace("-", " ")
        ctx.put(dst + ("task",), task)
        _rel(ctx, task_src, [dst + ("task",)], "transformed" if len(names) == 1 else "lossy",
             "task written with the dlm spelling" if len(names) == 1 else
             f"dlm has one task; {', '.join(names)} became {task!r}", whole=True)
    if task_src != tasks_path and "mlm:tasks" in props:
        same = [t for t in props["mlm:tasks"] if isinstance(t, str)] == names
        fates = [o.status for o in ctx.origins(dst + ("task",)) if not o.created]
        if same and fates:  # the same fate as the output's task list
            _rel(ctx, tasks_path, [dst + ("task",)], fates[0], "the same task list as the output's", whole=True)
        else:
            _rel(ctx, tasks_path, [], "dropped", "mlm:tasks differs from the output's tasks; dlm has one task")


@transform("downgrade.dlm_classes", reads=("properties.mlm:output[].classification:classes",),
           writes=("properties.dlm:output(s).{class_name_mapping,number_of_classes}",))
def dlm_classes(ctx: Ctx, layout: str) -> None:
    """The first output's classification:classes become class_name_mapping (value -> index; description, title or
    name -> class_name) and number_of_classes."""
    dst = P + (_outputs_key(layout),)
    src, item = _first_output(ctx)
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
            elif k in ("description", "title", "name") and label == c[k]:
                _rel(ctx, cpath + (str(i), k), [here + ("class_name",)], "moved")
            else:
                _rel(ctx, cpath + (str(i), k), [], "dropped", f"class {k} has no dlm counterpart")
    if mapping_out:
        ctx.put(dst + ("class_name_mapping",), mapping_out)
        ctx.put(dst + ("number_of_classes",), len(mapping_out))
        ctx.created(dst + ("number_of_classes",), "invented", "the number of classes listed")


@transform("downgrade.dlm_final_layer", reads=("properties.mlm:output[].result.shape",),
           writes=("properties.dlm:output(s).final_layer_size",))
def dlm_final_layer(ctx: Ctx, layout: str) -> None:
    """The first output's result shape becomes final_layer_size (dlm sizes are >= 1: -1 is written as 1)."""
    src, item = _first_output(ctx)
    shape, _ = _shape(item, "result")
    if shape and all(isinstance(n, int) for n in shape):
        dst = P + (_outputs_key(layout), "final_layer_size")
        ctx.put(dst, [n if n >= 1 else 1 for n in shape])
        variable = any(n < 1 for n in shape)
        _rel(ctx, src + ("result", "shape"), [dst], "lossy" if variable else "moved",
             "-1 (variable size) written as 1 (dlm sizes are >= 1)" if variable else None)


@transform("downgrade.dlm_post_processing", reads=("properties.mlm:output[].post_processing_function",),
           writes=("properties.dlm:outputs.post_processing_function",))
def dlm_post_processing(ctx: Ctx) -> None:
    """A python post-processing expression becomes the beta layout's post_processing_function name."""
    src, item = _first_output(ctx)
    post = item.get("post_processing_function")
    if isinstance(post, dict) and post.get("format") == "python" and isinstance(post.get("expression"), str):
        dst = P + ("dlm:outputs", "post_processing_function")
        ctx.put(dst, post["expression"])
        for k in ("expression", "format"):
            _rel(ctx, src + ("post_processing_function", k), [dst], "transformed",
                 "python expression became the function name", whole=True)


# -- architecture ---------------------------------------------------------------------------------------------------
@transform("downgrade.dlm_sizes", reads=("properties.mlm:memory_size", "properties.file:size"),
           writes=("properties.dlm:architecture.{estimated_total_size_mb,ram_size_mb,on_disk_size_mb}",))
def dlm_sizes(ctx: Ctx, layout: str) -> None:
    """mlm:memory_size (bytes) becomes the architecture's size estimate in MB; in the current layout file:size
    (bytes) also becomes on_disk_size_mb."""
    props = ctx.get(P)
    dst = P + ("dlm:architecture",)
    size_key = "estimated_total_size_mb" if layout == "beta" else "ram_size_mb"
    if isinstance(props.get("mlm:memory_size"), (int, float)):
        ctx.put(dst + (size_key,), props["mlm:memory_size"] / MB)
        _rel(ctx, P + ("mlm:memory_size",), [dst + (size_key,)], "lossy",
             f"bytes / 1048576 = MB; {size_key} is an estimate")
    if layout != "beta" and isinstance(props.get("file:size"), (int, float)):
        ctx.put(dst + ("on_disk_size_mb",), props["file:size"] / MB)
        ctx.copied(P + ("file:size",), dst + ("on_disk_size_mb",), "bytes / 1048576 = MB")


@transform("downgrade.dlm_pretrained", reads=("properties.mlm:pretrained_source", "properties.mlm:pretrained"),
           writes=("properties.dlm:architecture.pretrained",))
def dlm_pretrained(ctx: Ctx) -> None:
    """dlm's pretrained string: mlm:pretrained_source (mlm:pretrained is implied by it), or 'none' when
    mlm:pretrained is false."""
    props = ctx.get(P)
    dst = P + ("dlm:architecture", "pretrained")
    if isinstance(props.get("mlm:pretrained_source"), str):
        ctx.put(dst, props["mlm:pretrained_source"])
        _rel(ctx, P + ("mlm:pretrained_source",), [dst], "moved")
        if "mlm:pretrained" in props:
            _rel(ctx, P + ("mlm:pretrained",), [dst], "transformed", "implied by the source")
    elif props.get("mlm:pretrained") is False:
        ctx.put(dst, "none")
        _rel(ctx, P + ("mlm:pretrained",), [dst], "transformed", "not pretrained: 'none'")


# -- runtime ---------------------------------------------------------------------------------------------------------
@transform("downgrade.dlm_runtime_kept", reads=("properties.dlm:runtime.docker.docker_file",),
           writes=("assets.<container or source-code asset>",))
def dlm_runtime_kept(ctx: Ctx) -> None:
    """dlm:runtime present (kept by --keep-source): the container and source-code assets the MLM direction made
    from it go."""
    props = ctx.get(P)
    assets = ctx.get(("assets",)) if isinstance(ctx.get(("assets",)), dict) else {}
    docker = props["dlm:runtime"].get("docker") if isinstance(props["dlm:runtime"], dict) else None
    dockerfile = docker.get("docker_file") if isinstance(docker, dict) else None
    for key in [k for k, a in assets.items() if isinstance(a, dict) and (
            _is_container(a) or "mlm:source_code" in (a.get("roles") or [])
            or (dockerfile and a.get("href") == dockerfile))]:
        _same_as_parked(ctx, ("assets", key), "dlm:runtime")


@transform("downgrade.dlm_model_artifact", reads=("assets.<model>.href",),
           writes=("properties.dlm:runtime.model_artifact",))
def dlm_model_artifact(ctx: Ctx) -> None:
    """The first mlm:model asset's href is the current layout's dlm:runtime.model_artifact (the asset stays)."""
    model = model_assets(ctx.doc)
    if model:
        dst = P + ("dlm:runtime", "model_artifact")
        ctx.put(dst, ctx.get(("assets", model[0])).get("href"))
        ctx.copied(("assets", model[0], "href"), dst, "the model file")


@transform("downgrade.dlm_runtime_assets",
           reads=("properties.mlm:accelerator", "assets.<container or source-code asset>"),
           writes=("properties.dlm:runtime.{model_src_url,model_handler,docker}",))
def dlm_runtime_assets(ctx: Ctx, layout: str) -> None:
    """The source-code asset becomes model_src_url (its mlm:entrypoint model_handler), the container asset the
    docker image (image:tag split at the last ':') with mlm:accelerator reduced to a GPU flag; both assets go."""
    props = ctx.get(P)
    beta = layout == "beta"
    dst = P + ("dlm:runtime",)
    assets = ctx.get(("assets",)) if isinstance(ctx.get(("assets",)), dict) else {}
    for key, asset in list(assets.items()):
        if not isinstance(asset, dict):
            continue
        here = ("assets", key)
        if "mlm:source_code" in (asset.get("roles") or []) and not ctx.has(dst + ("model_src_url",)):
            ctx.put(dst + ("model_src_url",), asset.get("href"))
            _rel(ctx, here + ("href",), [dst + ("model_src_url",)], "moved", "the source-code asset")
            if isinstance(asset.get("mlm:entrypoint"), str):
                ctx.put(dst + ("model_handler",), asset["mlm:entrypoint"])
                _rel(ctx, here + ("mlm:entrypoint",), [dst + ("model_handler",)], "moved")
            del assets[key]
            ctx.account(here, [], "dropped", "the source-code asset became dlm:runtime.model_src_url")
        elif _is_container(asset) and not ctx.has(dst + ("docker",)):
            href = str(asset.get("href", ""))
            image, _, tag = href.rpartition(":") if ":" in href.rsplit("/", 1)[-1] else (href, "", "")
            docker: dict[str, Any] = {"image_name": image or href}
            if tag:
                docker["tag"] = tag
            ctx.put(dst + ("docker",), docker)
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
            del assets[key]
            ctx.account(here, [], "dropped", "the container asset became dlm:runtime.docker")


# -- archive and data (beta layout) ------------------------------------------------------------------------------------
@transform("downgrade.dlm_archive", reads=("assets.<model>.href",), writes=("properties.dlm:archive",))
def dlm_archive(ctx: Ctx) -> None:
    """The mlm:model asset's file name is the archive's model weight."""
    models = model_assets(ctx.doc)
    if "dlm:archive" in ctx.get(P) or not models:
        return
    dst = P + ("dlm:archive",)
    href = str(ctx.get(("assets", models[0], "href")) or "")
    name = href.rstrip("/").rsplit("/", 1)[-1].split("?")[0] or href
    ctx.put(dst, [{"name": name, "role": "model weight"}])
    ctx.copied(("assets", models[0], "href"), dst + ("0", "name"), "the model file's name")
    ctx.created(dst + ("0", "role"), "invented", "the mlm:model asset is the model weight")


def _same_as_parked(ctx: Ctx, path: Path, why: str) -> None:
    ctx.remove(path, f"the MLM direction made it from {why}, which is present again; kept that")


@transform("downgrade.dlm_data_kept",
           reads=("properties.dlm:data", "properties.processing:level", "links", "assets.<model>.raster:bands"),
           writes=())
def dlm_data_kept(ctx: Ctx) -> None:
    """dlm:data present (kept by --keep-source): what the MLM direction derived from it goes."""
    props = ctx.get(P)
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


@transform("downgrade.dlm_data",
           reads=("properties.processing:level", "properties.mlm:input", "properties.{eo:bands,bands}",
                  "assets.<model>.{eo:bands,bands,raster:bands}"),
           writes=("properties.dlm:data", "properties.eo:bands"))
def dlm_data(ctx: Ctx) -> None:
    """dlm:data from what MLM says about the imagery: the processing level, data type and nodata of the model
    asset's raster:bands, the band definitions and the input's bands among them (useful_bands)."""
    props = ctx.get(P)
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


# -- bands (current layout) -------------------------------------------------------------------------------------------
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


@transform("downgrade.dlm_item_bands", reads=("assets.<model>.bands",), writes=("properties.bands",))
def dlm_item_bands(ctx: Ctx) -> None:
    """The model asset's STAC 1.1 bands move to the item properties, where the current dlm reads them."""
    _draft_bands(ctx, ctx.get(P))


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
