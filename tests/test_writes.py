"""The tests' write check (crosswalk/engine/writes.py, on under CROSSWALK_CHECK_WRITES): a transform that changes
the document outside what it declares fails, however small the change; one that changes nothing passes. The check
compares pickled bytes first, so a change pickle could hide would be missed: a change of type alone is the case."""

from __future__ import annotations

from typing import Any

import pytest

from crosswalk.engine.ctx import Ctx
from crosswalk.engine.ledger import Ledger
from crosswalk.engine.writes import check_writes
from crosswalk.errors import InternalError
from crosswalk.transforms import Transform


def _check(before: Any, write) -> None:
    doc = {"type": "Feature", "properties": {"x": before, "declared": 0}}

    def fn(ctx: Ctx) -> None:
        write(ctx.doc["properties"])

    check_writes(Transform("test.write", fn, (), ("properties.declared",)), Ctx(doc, Ledger(doc), href="d.json"), {})


@pytest.mark.parametrize(("before", "after"), [(1, 1.0), (1.0, 1), (True, 1), (0, False), ("1", 1), ([1], (1,)),
                                               ({"a": 1}, {"a": 1, "b": None}), (None, {})])
def test_a_change_outside_the_declaration_fails_even_of_type_alone(before: Any, after: Any) -> None:
    with pytest.raises(InternalError, match="transform test.write changed a field outside what it declares"):
        _check(before, lambda props: props.__setitem__("x", after))


def test_a_change_inside_the_declaration_and_no_change_at_all_pass() -> None:
    _check(1, lambda props: props.__setitem__("declared", 1.5))
    _check(1, lambda props: None)
    _check(1, lambda props: props.__setitem__("x", 1))  # the same value written again


def test_a_value_pickle_refuses_is_checked_the_slow_way() -> None:
    with pytest.raises(InternalError, match="changed a field outside"):
        _check(lambda: None, lambda props: props.__setitem__("x", 2))
    _check(lambda: None, lambda props: props.__setitem__("declared", 2))
