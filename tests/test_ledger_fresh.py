"""The ledger's way with a subtree nothing has touched (`Ledger._relocate_fresh`): its Origins are made where a
move puts them, instead of recorded at their places, taken out and put back one by one. It must leave exactly what
the general way leaves, to the order of everything (the trie's members, the Origins, what is recorded): later
events read that order, and so may a report. Every corpus document, converted to every known version, lossless or
not, is converted twice, the second time with that path shut, and the two ledgers compared whole."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from crosswalk import pipeline
from crosswalk.engine import ledger as ledger_module
from crosswalk.language.formats import registry

ROOT = Path(__file__).resolve().parent.parent
# the corpus's documents and its expected outputs (STAC documents too), not its expected reports
DOCS = sorted(p for p in (ROOT / "corpora").rglob("*.json") if not p.name.endswith(".report.json"))


def _state(ledger: ledger_module.Ledger) -> tuple:
    """Everything of a ledger, in order: the trie (members in their order, Origins by identity), every Origin's
    fields, the source paths recorded (in order), the record of what is recorded, the places seen."""
    ids: dict[int, int] = {}

    def oid(o: ledger_module.Origin) -> int:
        return ids.setdefault(id(o), len(ids))

    def trie(node: dict) -> list:
        return [(k, [oid(o) for o in v] if k is None else trie(v)) for k, v in node.items()]

    def recorded(node: dict) -> list:
        return [(k, v if k is None else recorded(v)) for k, v in node.items()]

    shape = trie(ledger.root)
    origins = [(oid(o), o.path, o.status, list(o.reasons), o.step, sorted(o.locs), o.created, o.empty, o.whole_at)
               for o in [*ledger._by_path.values(), *ledger._created]]
    return shape, origins, list(ledger._by_path), recorded(ledger._recorded), sorted(ledger._seen)


def _documents() -> list[tuple[str, dict]]:
    out = []
    for path in DOCS:
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:  # the corpus's deliberately broken files
            continue
        if isinstance(doc, dict):
            out.append((str(path.relative_to(ROOT)), doc))
    return out


# The default run takes a document of each family, a Collection and an output of the corpus, among them those
# that take the fresh path most often and the one that must take it; the other documents are slow cases (run by
# .ci/run), and so are lossless runs, which take the same fresh path with more kept subtrees.
FAST = {
    "corpora/dlm/readme-tables-item.json",
    "corpora/dlm-beta/sentinel-hub-dl-sequential.json",
    "corpora/ml-model/spec-dummy-item.json",
    "corpora/ml-model/agrifieldnet-gold-collection.json",
    "corpora/mlm/spec-1.2.0-item_eo_bands.json",
    "corpora/producers/stac-model-0.7.0-eurosat_resnet.json",
    "corpora/expected/mlm/wherobots-mlm-form-test.out.json",
}


def _cases() -> list:
    cases = [pytest.param(name, doc, id=f"{name}-", marks=() if name in FAST else pytest.mark.slow)
             for name, doc in _documents()]  # ids as before: the name, and nothing for the document
    assert FAST <= {name for name, _ in _documents()}
    return cases


@pytest.mark.parametrize("keep_source", [False, pytest.param(True, marks=pytest.mark.slow)], ids=["plain", "lossless"])
@pytest.mark.parametrize(("name", "doc"), _cases())
def test_an_untouched_subtree_moved_leaves_the_ledger_as_the_general_way(name, doc, keep_source, monkeypatch):
    made: list[ledger_module.Ledger] = []
    init = ledger_module.Ledger.__init__

    def recording(self, *args, **kwargs):
        init(self, *args, **kwargs)
        made.append(self)

    monkeypatch.setattr(ledger_module.Ledger, "__init__", recording)
    fresh = ledger_module.Ledger._relocate_fresh
    taken = []

    def counted(self, *args):
        taken.append(fresh(self, *args))
        return taken[-1]

    for version in [f"{f.name}@{v}" for f in registry().families.values() for v in f.versions]:
        runs = []
        for way in (counted, lambda self, *args: None):
            monkeypatch.setattr(ledger_module.Ledger, "_relocate_fresh", way)
            made.clear()
            r = pipeline.convert(copy.deepcopy(doc), to=version, validate=False, keep_source=keep_source)
            runs.append((r.report, r.document, str(r.error), [_state(x) for x in made]))
        assert runs[0] == runs[1], (name, version)
    if name.endswith("ml-model/spec-dummy-item.json"):  # the path is taken (a document whose first events are moves)
        assert any(taken)
