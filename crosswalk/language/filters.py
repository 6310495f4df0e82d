"""jsonpath with filters for guards (``matches``/``no_match``): jsonpath-ng's extended parser, with its filters
restricted to arrays. Its own filter, given an object, tests the object's values and replaces the object in the
document by the list of them; here a filter over an object finds nothing. A module of its own so that compiled
mappings (pickled in the cache) name a class that can be imported back."""

from __future__ import annotations

from functools import cache
from typing import Any

from jsonpath_ng import DatumInContext, Index
from jsonpath_ng.ext.filter import Filter
from jsonpath_ng.ext.parser import ExtendedJsonPathParser
from jsonpath_ng.parser import JsonPathParser


class ArrayFilter(Filter):
    """``[?(...)]`` over array elements only (``[?(@)]``: every element of an array, nothing of anything else).
    An element the comparison cannot take (null or an object against a number, which jsonpath-ng raises on) does
    not match, so one odd element never stops a guard."""

    def find(self, datum: Any) -> list[Any]:
        datum = DatumInContext.wrap(datum)
        if not isinstance(datum.value, list):
            return []
        return [DatumInContext(v, path=Index(i), context=datum) for i, v in enumerate(datum.value) if self._holds(v)]

    def _holds(self, element: Any) -> bool:
        try:
            return all(expression.find(element) for expression in self.expressions)
        except TypeError:
            return False


def _arrays_only(node: Any) -> Any:
    if isinstance(node, Filter):
        return ArrayFilter(node.expressions)
    for side in ("left", "right"):
        if hasattr(node, side):
            setattr(node, side, _arrays_only(getattr(node, side)))
    return node


@cache
def _parser(extended: bool) -> Any:
    """One parser of each kind, kept: jsonpath-ng's ``parse`` makes a parser per call, and a parser builds its LALR
    tables when it is made (tens of milliseconds; a cold start compiles every path of its mappings)."""
    return ExtendedJsonPathParser() if extended else JsonPathParser()


def parse_path(text: str, extended: bool = False) -> Any:
    """A rule's jsonpath as ``jsonpath_ng.parse`` reads it (``extended``: as ``jsonpath_ng.ext.parse``, filters
    over objects too); its own errors when it cannot."""
    return _parser(extended).parse(text)


def parse_filter_path(text: str) -> Any:
    """A guard's jsonpath, filters allowed (ValueError when jsonpath-ng cannot read it)."""
    try:
        return _arrays_only(_parser(True).parse(text))
    except Exception as e:  # jsonpath-ng raises bare Exception
        raise ValueError(f"bad jsonpath {text!r}: {e}") from None
