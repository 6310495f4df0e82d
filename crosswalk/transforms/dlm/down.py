"""The logic of the edges MLM 1.5.2 -> dlm (the beta.3 layout: dlm:inputs, dlm:outputs, dlm:architecture,
dlm:runtime, dlm:archive, dlm:data; the current layout: dlm:input, dlm:output, bands).

What is data lives in the ``down:`` rules of the mapping files: the renames, the placeholders for required dlm
fields with no MLM source (``--fill`` replaces them), the drops of MLM fields whose dlm object is already present
(parked by ``--keep-source`` on the way to MLM, so a lossless round trip comes back unchanged). The rules run these
transforms inside an Item's properties, guarded so that a dlm object already there is not written again. Only the
first MLM input and output have a place (dlm describes one of each).

An MLM value stays where it is until the closing `drop` of mlm:* keys removes it (or --keep-source keeps it), so a
dlm value made from it is a copy in the ledger (``ctx.copied``, with the status the copy stands for).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from crosswalk.engine.ctx import Ctx
from crosswalk.engine.ops import is_type
from crosswalk.language import pointer
from crosswalk.language.pointer import Path
from crosswalk.transforms import of_type, table, transform
from crosswalk.transforms.mlm.down import is_container
from crosswalk.transforms.mlm.up import (
    AS_Z_SCORE,
    AS_Z_SCORE_WHY,
    P,
    as_z_scores,
    input_bands,
    io_lists,
    model_assets,
    name_key,
)


def _no_place(ctx: Ctx, src: Path, reason: str) -> None:
    """The leaf has no dlm place: noted here, dropped (or kept) with its MLM field by the closing mlm:* drop."""
    ctx.changed(src, "kept", reason)


def _write(ctx: Ctx, dst: Path, value: Any, src: Path, reason: str | None, status: str, whole: bool = False) -> None:
    """Write ``value``, made from the MLM value at ``src`` (a copy in the ledger: see the module docstring)."""
    ctx.put(dst, value)
    ctx.copied(src, dst, reason, status=status, whole=whole)


def _made(ctx: Ctx, dst: Path, value: Any, reason: str) -> None:
    """Write ``value``, worked out from the document but from no one MLM field (not a placeholder --fill replaces)."""
    ctx.put(dst, value)
    ctx.created(dst, "invented", reason)


def _band_table(ctx: Ctx) -> tuple[list[Any], Path | None]:
    """Names of the band definitions, in order, and where they are: item eo:bands or bands, else the model
    asset's eo:bands, bands or raster:bands."""
    places = [P + ("eo:bands",), P + ("bands",)]
    places += [("assets", key, k) for key in model_assets(ctx.doc) for k in ("eo:bands", "bands", "raster:bands")]
    for place in places:
        bands = ctx.get(place)
        if isinstance(bands, list) and bands:
            return [b.get("name") if isinstance(b, dict) else None for b in bands], place
    return [], None


def _shape(item: dict[str, Any], inner: str) -> tuple[list[Any], list[Any]]:
    return tuple(of_type(pointer.get(item, (inner, key)), list) for key in ("shape", "dim_order"))


def _first(ctx: Ctx, key: str, others: bool = False) -> tuple[Path | None, dict[str, Any]]:
    """The first MLM input or output (``key``); ``others``: note that the ones after it have no place."""
    items = io_lists(ctx, key)
    for other, _ in items[1:] if others else []:
        _no_place(ctx, other, f"dlm describes one {key[4:]}; {key}/{other[-1]} has no place")
    return items[0] if items else (None, {})


def _output(layout: str) -> Path:
    return P + ("dlm:outputs" if layout == "beta" else "dlm:output",)


# -- normalisation (value_scaling -> scaling_factor + mean/std) -------------------------------------------------
# Each MLM value_scaling entry becomes the z-score it exactly is (AS_Z_SCORE, the one table MLM's own downgrade reads
# too), with scaling_factor 1: dlm normalises as ((data * scaling_factor) - mean) / std. So a `scale` v (MLM: data /
# value; one object stands for every band) is mean 0 and std v wherever it stands, alone, once per band or beside
# other types, its value carried as written: a scaling_factor 1/v would change it (1 / (1/49) is 49.00000000000001).


def _normalisation(item: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None, str]:
    """({scaling_factor, mean, std}, lossy reason or None, transform reason) from value_scaling (one object alone
    was wrapped in a list by the repairs that run before any edge).

    No normalisation and no problem only for null or an empty list (no scaling); any value this cannot read
    exactly is a problem, so a number is never made up for it."""
    vs = item.get("value_scaling")
    if vs is None or vs == []:
        return None, None, ""
    if not isinstance(vs, list) or not all(isinstance(s, dict) for s in vs):
        return None, "value_scaling is not a list of scaling objects; dlm has no place for it", ""
    kinds = {name_key(s.get("type")) for s in vs}
    z_scores = as_z_scores(vs)
    kind = next(iter(kinds)) if len(kinds) == 1 else None
    if z_scores is None and kind in AS_Z_SCORE and all(is_type(s.get(m), "number") for s in vs
                                                       for m in AS_Z_SCORE[kind][0]):
        # one type whose std comes out 0 or less (a stddev of 0, a min-max of one value): carried as written, which
        # the dlm schemas refuse and the validation says
        z_scores = [AS_Z_SCORE[kind][2](s) for s in vs]
    if z_scores is None:
        what = ", ".join(sorted(str(k) for k in kinds))
        return None, f"value_scaling of type {what} has no exact dlm normalisation (scaling_factor, mean, std)", ""
    why = "z-score: mean and std with scaling_factor 1"
    if kinds != {"z-score"}:
        why = f"each entry as the z-score it is, with scaling_factor 1 ({AS_Z_SCORE_WHY})"
    return {"scaling_factor": 1.0, "mean": [m for m, _ in z_scores], "std": [d for _, d in z_scores]}, None, why


def _input_normalisation(ctx: Ctx, dst: Path, src: Path, item: dict[str, Any], beta: bool) -> None:
    """value_scaling becomes scaling_factor, mean and std where it maps exactly (see ``_normalisation``); the beta
    layout requires a normalisation, so it gets the neutral one otherwise."""
    norm, problem, why = _normalisation(item)
    mkey, skey = ("normalization:mean", "normalization:std") if beta else ("mean", "std")
    factor, vsrc = dst + ("scaling_factor",), src + ("value_scaling",)
    if norm is not None:
        ctx.get(dst).update({"scaling_factor": norm["scaling_factor"], mkey: norm["mean"], skey: norm["std"]})
        for i, s in enumerate(item["value_scaling"]):
            to = {"f": factor, "m": dst + (mkey, str(i)), "s": dst + (skey, str(i))}
            # this entry's members make its mean and std; its type, the factor and the constant one
            makes, by_type, _ = AS_Z_SCORE[name_key(s["type"])]
            places = {k: "".join(m[0] for m in made) for k, made in makes.items()}
            places["type"] = "f" + "".join(m[0] for m in by_type)
            for k in s:
                for place in places.get(k, ""):
                    ctx.copied(vsrc + (str(i), k), to[place], why, status="transformed")
                if not places.get(k):
                    _no_place(ctx, vsrc + (str(i), k), f"value_scaling field {k!r} has no dlm counterpart")
        return
    no_scaling = not problem and "value_scaling" in item  # null or []: no scaling, which is factor 1, mean 0, std 1
    if problem or (no_scaling and not beta):
        _no_place(ctx, vsrc, problem or "value_scaling null: no normalisation, which dlm says by writing none")
    elif no_scaling:
        ctx.copied(vsrc, factor, "no value scaling: factor 1, mean 0, std 1", whole=True, status="transformed")
    if beta:  # the beta layout requires a normalisation: the neutral one
        ctx.get(dst).update({"scaling_factor": 1.0, mkey: [0.0], skey: [1.0]})
        why = ("the MLM scaling has no dlm form (see value_scaling); the beta layout requires a normalisation: "
               "factor 1, mean 0, std 1" if problem else "no normalisation in MLM: factor 1, mean 0, std 1")
        for k in ("scaling_factor", mkey, skey)[no_scaling:]:  # with no scaling, the factor stands for value_scaling
            ctx.created(dst + (k,), "invented", why)


# -- the input ---------------------------------------------------------------------------------------------------


def _input_tensor(ctx: Ctx, dst: Path, src: Path, item: dict[str, Any], nbands: int, beta: bool) -> int:
    """The tensor sizes from shape/dim_order, each axis to its named member (a -1, variable size, is written as 1:
    dlm sizes are >= 1); an axis with no member is dropped. Returns the number of channels."""
    shape, dims = _shape(item, "input")
    tsrc, tdst = src + ("input",), dst + (("input_tensors", "0") if beta else ("input_tensors",))
    why = "shape and dim_order became named tensor sizes"
    tensor: dict[str, int] = {}
    axes, kept_names = table("dlm_axes"), table("dlm_axes_kept")
    for i, n in enumerate(shape):
        axis = str(dims[i]) if i < len(dims) else str(i)
        key = axes.get(axis.lower())  # None for an axis with no name (its position)
        placed = key is not None and key not in tensor and isinstance(n, int)
        if placed:
            tensor[key] = max(n, 1)
        if placed and not (beta and key == "time"):
            at = tdst + ("dim" if beta and key == "channels" else key,)
            ctx.copied(tsrc + ("shape", str(i)), at, f"{why}; -1 (variable size) written as 1 (dlm sizes are >= 1)"
                       if n < 1 else why, status="lossy" if n < 1 else "transformed")
            # a name of its own (lat, y, c...) is lost: dlm has only its member names, and the way back writes those
            kept = axis.lower() in kept_names
            ctx.copied(tsrc + ("dim_order", str(i)), at, why if kept else
                       f"{why}; the axis name {axis!r} became dlm's {key!r}", status="transformed" if kept else "lossy")
            continue
        for part in ("shape", "dim_order"):
            _no_place(ctx, tsrc + (part, str(i)), f"axis {axis}: the beta tensor has no time member" if placed
                      else f"axis {axis} has no dlm tensor member")
    nchannels = tensor.get("channels") or nbands or 1
    if tensor:
        value = {"dim" if k == "channels" else k: v for k, v in tensor.items() if k != "time"} if beta else tensor
        ctx.put(dst + ("input_tensors",), [value] if beta else value)
    else:
        placeholder = {"batch": 1, "dim" if beta else "channels": nchannels, "height": 1, "width": 1}
        ctx.invent(dst + ("input_tensors",), [placeholder] if beta else placeholder,
                   "dlm needs the input tensor sizes; MLM gives no usable shape")
    return nchannels


@transform("downgrade.dlm_inputs", reads=("properties.mlm:input", "properties.{eo:bands,bands}",
                                          "assets.<model>.{eo:bands,bands,raster:bands}"),
           writes=("properties.dlm:input(s)",))
def dlm_inputs(ctx: Ctx, layout: str) -> None:
    """The first MLM input becomes the dlm input: its name, tensor sizes from shape/dim_order, its bands (band names,
    or in the beta layout indices into the band definitions) and a normalisation from value_scaling."""
    src, item = _first(ctx, "mlm:input", others=True)
    if src is None:
        return  # the rule after this one invents a placeholder input
    beta = layout == "beta"
    dst = P + ("dlm:inputs" if beta else "dlm:input",)
    ctx.put(dst, {})
    if isinstance(item.get("name"), str):
        ctx.copy(src + ("name",), dst + ("name",), status="moved")
    else:
        ctx.invent(dst + ("name",), "input", "dlm names the input tensor; MLM gives no name")
    bands = input_bands(item, src)
    nchannels = _input_tensor(ctx, dst, src, item, len(bands), beta)
    if "data_type" in of_type(item.get("input"), dict):
        _no_place(ctx, src + ("input", "data_type"), "dlm has only the data type of the source imagery")
    _input_band_list(ctx, dst + ("selected_bands" if beta else "band_names",), src, item, bands, nchannels, beta)
    _input_normalisation(ctx, dst, src, item, beta)


def _input_band_list(ctx: Ctx, dst: Path, src: Path, item: dict[str, Any], bands: list[tuple[int, str, Path]],
                     nchannels: int, beta: bool) -> None:
    """The input's bands: band_names (current layout) or selected_bands, indices into the band definitions."""
    names, _ = _band_table(ctx) if bands else ([], None)
    if not bands and beta:
        _made(ctx, dst, list(range(nchannels)), "dlm needs selected_bands; MLM lists no bands")
    elif beta and not any(name in names for _, name, _ in bands):
        _made(ctx, dst, list(range(len(bands))), "no band of the input is in the band definitions: positions, "
              "a placeholder (they index the definitions, not these bands)")
        for i, _, _ in bands:
            _no_place(ctx, src + ("bands", str(i)), "band not found in the band definitions (no index for it)")
    elif bands:
        if beta:  # a band with no definition has no index: only the others are selected, at their own indices
            for i, _, _ in [b for b in bands if b[1] not in names]:
                _no_place(ctx, src + ("bands", str(i)), "band not found in the band definitions (no index for it)")
            bands = [b for b in bands if b[1] in names]
        ctx.put(dst, [names.index(name) if beta else name for _, name, _ in bands])
        for j, (_, _, at) in enumerate(bands):
            status, why = (("transformed", "band name became its index in the band definitions") if beta else
                           ("lossy", "band object written as its bare name (the object form is not restored)")
                           if at[-1] == "name" else ("moved", None))  # a band object's name, or a bare name
            ctx.copied(at, dst + (str(j),), why, status=status)
    for i, band in enumerate(item["bands"] if bands else ()):
        for k in [k for k in band if k != "name"] if isinstance(band, dict) else ():
            _no_place(ctx, src + ("bands", str(i), k), f"band {k} (derived bands) has no dlm counterpart")


# -- the output ----------------------------------------------------------------------------------------------------
@transform("downgrade.dlm_output_task", reads=("properties.mlm:output", "properties.mlm:tasks"),
           writes=("properties.dlm:output(s).task",))
def dlm_output_task(ctx: Ctx, layout: str) -> None:
    """The first output's tasks (else mlm:tasks) become the one dlm task; in the beta layout only a task of its
    closed enum (table mlm_tasks_to_dlm_beta). Outputs after the first have no place."""
    props, dst, tasks_path = ctx.get(P), _output(layout) + ("task",), P + ("mlm:tasks",)
    src, item = _first(ctx, "mlm:output", others=True)
    own = _task_names(item.get("tasks"))
    names = own or _task_names(props.get("mlm:tasks"))
    task_src = src + ("tasks",) if own else tasks_path
    spelt = [n.replace("-", " ") for n in names]  # the dlm spelling
    tasks = table("mlm_tasks_to_dlm_beta") if layout == "beta" else None
    task = next((t for t in map(tasks.get, names) if t), None) if tasks is not None else (spelt or [None])[0]
    exact = len(names) == 1 and spelt[0] == task
    why = (f"dlm beta has one task of {', '.join(dict.fromkeys(tasks.values()))}" if tasks is not None else
           "dlm has one task") + f"; {', '.join(names)} became {task!r}"
    if task is not None:
        _write(ctx, dst, task, task_src, "task written with the dlm spelling" if exact else why,
               "transformed" if exact else "lossy", whole=True)
    elif names:  # the rule after this one invents a task
        _no_place(ctx, task_src, f"{', '.join(names)}: no dlm beta task (closed enum)")
    if task_src != tasks_path and "mlm:tasks" in props:
        same = _task_names(props["mlm:tasks"]) == names
        fates = [o.status for o in ctx.origins(dst) if not o.created]
        if same and fates:  # the same fate as the output's task list
            ctx.copied(tasks_path, dst, "the same task list as the output's", whole=True, status=fates[0])
        else:
            _no_place(ctx, tasks_path, "mlm:tasks differs from the output's tasks; dlm has one task")


def _task_names(tasks: Any) -> list[str]:
    """The task names of a task list; a bare name (invalid MLM, but written) is one task, not its letters; anything
    else names none."""
    tasks = [tasks] if isinstance(tasks, str) else tasks
    return [t for t in tasks if isinstance(t, str)] if isinstance(tasks, list) else []


@transform("downgrade.dlm_classes", reads=("properties.mlm:output[].classification:classes",),
           writes=("properties.dlm:output(s).{class_name_mapping,number_of_classes}",))
def dlm_classes(ctx: Ctx, layout: str) -> None:
    """The first output's classification:classes become class_name_mapping (value -> index; description, title or
    name -> class_name) and number_of_classes."""
    dst, labels = _output(layout), ("description", "title", "name")
    src, item = _first(ctx, "mlm:output")
    mapping, unnamed = [], []
    for i, c in enumerate(of_type(item.get("classification:classes"), list)):
        here = src + ("classification:classes", str(i))
        if not isinstance(c, dict) or not isinstance(c.get("value"), int):
            _no_place(ctx, here, "a class without an integer value")
            continue
        label = next((c[k] for k in labels if isinstance(c.get(k), str) and c[k]), None)  # an empty one says nothing
        to = dst + ("class_name_mapping", str(len(mapping)))
        mapping.append({"index": c["value"], "class_name": label or f"class {c['value']}"})
        unnamed += [] if label else [to + ("class_name",)]
        for k in c:
            member = "index" if k == "value" else "class_name" if k in labels and label == c[k] else None
            if member:
                ctx.copied(here + (k,), to + (member,), status="moved")
            else:
                _no_place(ctx, here + (k,), f"the class {k} is empty" if c[k] == "" and k in labels
                          else f"class {k} has no dlm counterpart")
    if mapping:
        ctx.put(dst + ("class_name_mapping",), mapping)
        _made(ctx, dst + ("number_of_classes",), len(mapping), "the number of classes listed")
    for at in unnamed:  # dlm needs a class name; the class gives no label (a bare "" one too)
        ctx.created(at, "invented", "the class has no label: 'class <value>'")


@transform("downgrade.dlm_final_layer", reads=("properties.mlm:output[].result.shape",),
           writes=("properties.dlm:output(s).final_layer_size",))
def dlm_final_layer(ctx: Ctx, layout: str) -> None:
    """The first output's result shape becomes final_layer_size (dlm sizes are >= 1: -1 is written as 1)."""
    src, item = _first(ctx, "mlm:output")
    shape, _ = _shape(item, "result")
    if shape and all(isinstance(n, int) for n in shape):
        variable = any(n < 1 for n in shape)
        _write(ctx, _output(layout) + ("final_layer_size",), [max(n, 1) for n in shape], src + ("result", "shape"),
               "-1 (variable size) written as 1 (dlm sizes are >= 1)" if variable else None,
               "lossy" if variable else "moved")


# -- architecture ---------------------------------------------------------------------------------------------------
# -- runtime ---------------------------------------------------------------------------------------------------------
@transform("downgrade.dlm_runtime_kept", reads=("properties.dlm:runtime.docker.docker_file",),
           writes=("assets.<container or source-code asset>",))
def dlm_runtime_kept(ctx: Ctx) -> None:
    """dlm:runtime present (kept by --keep-source): the container and source-code assets the MLM direction made
    from it go."""
    dockerfile = ctx.get(P + ("dlm:runtime", "docker", "docker_file"))
    for key, a in list(of_type(ctx.get(("assets",)), dict).items()):
        if isinstance(a, dict) and (is_container(a) or "mlm:source_code" in of_type(a.get("roles"), list)
                                    or (dockerfile and a.get("href") == dockerfile)):
            _same_as_parked(ctx, ("assets", key), "dlm:runtime")


@transform("downgrade.dlm_model_artifact", reads=("assets.<model>.href",),
           writes=("properties.dlm:runtime.model_artifact",))
def dlm_model_artifact(ctx: Ctx) -> None:
    """The first mlm:model asset's href is the current layout's dlm:runtime.model_artifact (the asset stays); an
    asset without a string href names no file, so none is written."""
    model = model_assets(ctx.doc)
    if model and isinstance(ctx.get(("assets", model[0], "href")), str):
        ctx.copy(("assets", model[0], "href"), P + ("dlm:runtime", "model_artifact"), "the model file")


@transform("downgrade.dlm_runtime_assets", writes=("properties.dlm:runtime.{model_src_url,model_handler,docker}",),
           reads=("properties.mlm:accelerator", "assets.<container or source-code asset>"))
def dlm_runtime_assets(ctx: Ctx, layout: str) -> None:
    """The source-code asset becomes model_src_url (its mlm:entrypoint model_handler), the container asset the
    docker image (image:tag split at the last ':') with mlm:accelerator reduced to a GPU flag; both assets go."""
    props, dst = ctx.get(P), P + ("dlm:runtime",)
    for key, asset in list(of_type(ctx.get(("assets",)), dict).items()):
        here = ("assets", key)
        if not isinstance(asset, dict) or not isinstance(asset.get("href"), str):
            continue  # an asset without an href names no source code and no image: it stays an asset
        if "mlm:source_code" in of_type(asset.get("roles"), list) and not ctx.has(dst + ("model_src_url",)):
            ctx.copy(here + ("href",), dst + ("model_src_url",), "the source-code asset", status="moved")
            if isinstance(asset.get("mlm:entrypoint"), str):
                ctx.copy(here + ("mlm:entrypoint",), dst + ("model_handler",), status="moved")
            ctx.remove(here, "the source-code asset became dlm:runtime.model_src_url")
        elif is_container(asset) and not ctx.has(dst + ("docker",)):
            href = asset["href"]
            name = href.rsplit("/", 1)[-1]  # a tag is after the last ':' of the name, unless a digest (@sha256:) is
            image, _, tag = href.rpartition(":") if ":" in name and "@" not in name else (href, "", "")
            accel, docker = props.get("mlm:accelerator"), dst + ("docker",)
            gpu_key, gpu = "gpu" if layout == "beta" else "accelerator", name_key(accel) in table("gpu_accelerators")
            ctx.put(docker, {"image_name": image or href, **({"tag": tag} if tag else {}), gpu_key: gpu})
            for part in ("image_name", "tag") if tag else ("image_name",):
                ctx.copied(here + ("href",), docker + (part,), "image:tag split at the last ':'" if tag else None,
                           status="transformed" if tag else "moved")
            if "mlm:accelerator" in props:
                ctx.copied(P + ("mlm:accelerator",), docker + (gpu_key,), f"{accel!r} reduced to {gpu}",
                           status="lossy")
            else:
                ctx.created(docker + (gpu_key,), "invented", "no accelerator given: false")
            ctx.remove(here, "the container asset became dlm:runtime.docker")


# -- archive and data (beta layout) ------------------------------------------------------------------------------------
@transform("downgrade.dlm_archive", reads=("assets.<model>.href",), writes=("properties.dlm:archive",))
def dlm_archive(ctx: Ctx) -> None:
    """The mlm:model asset's file name is the archive's model weight; an asset without a string href names no file
    (the rule after this one invents the archive listing)."""
    models = model_assets(ctx.doc)
    href = ctx.get(("assets", models[0], "href")) if models else None
    if isinstance(href, str):
        dst = P + ("dlm:archive",)
        # the file name of its URL's path (no query); a path whose last part is no file name ("…/view?usp=sharing",
        # a sharing page) names no file: the href itself then, never a made-up name
        last = urlsplit(href).path.rstrip("/").rsplit("/", 1)[-1]
        name = last if "." in last.strip(".") else href
        ctx.put(dst, [{"name": name, "role": "model weight"}])
        ctx.copied(("assets", models[0], "href"), dst + ("0", "name"), "the model file's name",
                   status=None if name == href else "transformed")  # the href stays; its last part is a new value
        ctx.created(dst + ("0", "role"), "invented", "the mlm:model asset is the model weight")


def _same_as_parked(ctx: Ctx, path: Path, why: str) -> None:
    ctx.remove(path, f"the MLM direction made it from {why}, which is present again; kept that")


@transform("downgrade.dlm_data_kept", writes=(),
           reads=("properties.dlm:data", "properties.processing:level", "links", "assets.<model>.raster:bands"))
def dlm_data_kept(ctx: Ctx) -> None:
    """dlm:data present (kept by --keep-source): what the MLM direction derived from it goes."""
    props, data = ctx.get(P), ctx.get(P + ("dlm:data",))
    if "processing:level" in props and props["processing:level"] == data.get("process_level"):
        _same_as_parked(ctx, P + ("processing:level",), "dlm:data.process_level")
    urls = {e.get("url") for e in data.get("item_examples") or [] if isinstance(e, dict)}
    links = of_type(ctx.get(("links",)), list)
    for i in reversed(range(len(links))):
        if isinstance(links[i], dict) and links[i].get("rel") == "related" and links[i].get("href") in urls:
            _same_as_parked(ctx, ("links", str(i)), "dlm:data.item_examples")
    dtype = data.get("data_type", data.get("dtype"))
    for key in model_assets(ctx.doc):
        bands = ctx.get(("assets", key, "raster:bands"))
        if isinstance(bands, list) and bands and all(isinstance(b, dict) and b.get("data_type") == dtype
                                                    for b in bands):
            _same_as_parked(ctx, ("assets", key, "raster:bands"), "dlm:data (data type and nodata)")
    # a copy of the item's eo:bands on the model asset stays: eo v1.1.0 allows eo:bands in the item properties
    # only when an asset has them too


@transform("downgrade.dlm_data", writes=("properties.dlm:data", "properties.eo:bands"),
           reads=("properties.processing:level", "properties.mlm:input", "properties.{eo:bands,bands}",
                  "assets.<model>.{eo:bands,bands,raster:bands}"))
def dlm_data(ctx: Ctx) -> None:
    """dlm:data from what MLM says about the imagery: the processing level, data type and nodata of the model
    asset's raster:bands, the band definitions and the input's bands among them (useful_bands)."""
    props, dst = ctx.get(P), P + ("dlm:data",)
    props["dlm:data"] = {}
    level = props.get("processing:level")
    if isinstance(level, str) and re.fullmatch(r"raw|ortho|L[0-3]", level):
        ctx.move(P + ("processing:level",), dst + ("process_level",))
    elif isinstance(level, str) and re.fullmatch(r"L[0-3][A-Z]?", level):
        # the sub-level stays on the Item; the dlm field holds a new value
        _write(ctx, dst + ("process_level",), level[:2], P + ("processing:level",), f"{level} read as {level[:2]}",
               "transformed")
    else:
        given = "none is given" if level is None else f"{level!r} is none of raw, ortho, L0-L3"
        ctx.invent(dst + ("process_level",), "raw", f"dlm beta requires a processing level; {given}")
    # data type and nodata from the model asset's raster:bands (where the MLM direction put them)
    bands = [(("assets", key, "raster:bands", str(i)), band) for key in model_assets(ctx.doc)
             for i, band in enumerate(of_type(ctx.get(("assets", key, "raster:bands")), list))
             if isinstance(band, dict)]
    numpy = tuple(table("dlm_beta_data_types"))
    dtype = next((at + ("data_type",) for at, band in bands if band.get("data_type") in numpy), None)
    nodata = next((at + ("nodata",) for at, band in bands if isinstance(band.get("nodata"), (int, float))), None)
    src, item = _first(ctx, "mlm:input")
    if dtype:
        ctx.copy(dtype, dst + ("data_type",), "the first raster band's data type")
    else:
        t = of_type(item.get("input"), dict).get("data_type")
        _made(ctx, dst + ("data_type",), t if t in numpy else "float32",
              "no raster band data type; the input tensor's" if t in numpy else "unknown; float32")
    if nodata:
        ctx.copy(nodata, dst + ("nodata",), "the first raster band's nodata")
    names, place = _band_table(ctx)
    _made(ctx, dst + ("number_of_bands",), max(len(names), 1),
          "the number of band definitions" if names else "no band definitions: 1")
    useful = [{"index": names.index(n), "name": n} for _, n, _ in input_bands(item, src) if n in names]
    if useful:
        _made(ctx, dst + ("useful_bands",), useful, "the input bands with their definition indices")
    # dlm beta reads band definitions as item-level eo:bands; the asset keeps its copy (eo v1.1.0 allows
    # eo:bands in the item properties only when an asset has them too)
    if place and place[0] == "assets" and place[-1] == "eo:bands" and "eo:bands" not in props:
        ctx.copy(place, P + ("eo:bands",), "dlm reads eo:bands in the item properties")


# -- bands (current layout) -------------------------------------------------------------------------------------------
@transform("downgrade.dlm_item_bands", reads=("assets.<model>.bands",), writes=("properties.bands",))
def dlm_item_bands(ctx: Ctx) -> None:
    """The model asset's STAC 1.1 bands move to the item properties, where the current dlm reads them."""
    for key in model_assets(ctx.doc):
        if isinstance(ctx.get(("assets", key, "bands")), list):
            ctx.move(("assets", key, "bands"), P + ("bands",), "the current dlm reads bands at item level")
            return
