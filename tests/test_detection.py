"""crosswalk.detection: which format a document is in, read from its schema URIs, then its fields."""

from __future__ import annotations

import itertools

import pytest

from crosswalk.detection import detect

MLM = "https://stac-extensions.github.io/mlm/v{}/schema.json"
EO = "https://stac-extensions.github.io/eo/v1.1.0/schema.json"


def _item(*uris: str) -> dict:
    return {"type": "Feature", "stac_version": "1.0.0", "id": "x", "stac_extensions": list(uris), "properties": {}}


@pytest.mark.parametrize("order", list(itertools.permutations([MLM.format("1.4.0"), EO, MLM.format("1.5.1")])))
def test_two_versions_of_a_family_read_as_the_newest_whatever_their_order(order) -> None:
    found = detect(_item(*order))
    assert str(found.format) == "mlm@1.5.1" and found.newer is None


@pytest.mark.parametrize("order", list(itertools.permutations([MLM.format("1.6.0"), MLM.format("1.5.1")])))
def test_a_version_newer_than_the_newest_known_wins_over_a_known_one(order) -> None:
    found = detect(_item(*order))
    assert str(found.format) == "mlm@1.5.2" and found.newer == "1.6.0"


def test_an_mlm_metadata_file_is_detected_but_not_dressed_up_as_an_item() -> None:
    from crosswalk import pipeline

    meta = {"$schema": MLM.format("1.5.0"), "properties": {"name": "unet", "architecture": "unet", "tasks": ["x"]}}
    assert detect(meta).object_type == "mlm-metadata"
    for target in ("mlm", "mlm@1.5.0"):
        result = pipeline.convert(meta, to=target)
        assert result.document is None and "MLM metadata file" in str(result.error)
