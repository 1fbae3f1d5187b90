"""Name matching in free text: the phrase index the linker is built on."""

from __future__ import annotations

import pytest

from graph import linking
from graph.linking import PhraseIndex


@pytest.fixture
def index() -> PhraseIndex:
    idx = PhraseIndex()
    for phrase, value in [("graft versus host disease", "D006086"), ("host", "HOST"), ("disease", "D004194"),
                          ("acute graft", "AG"), ("Sjögren syndrome", "D012859"), ("cytopenia", "D000080983")]:
        idx.add(phrase, value)
    return idx


def test_longest_phrases_left_to_right_without_overlap(index: PhraseIndex) -> None:
    found = index.find("Acute graft versus host disease, then host disease.")
    # "acute graft" is taken first (left to right), so the long phrase cannot start inside it
    assert [(m.text, m.values) for m in found] == [
        ("Acute graft", ["AG"]), ("host", ["HOST"]), ("disease", ["D004194"]),
        ("host", ["HOST"]), ("disease", ["D004194"]),
    ]
    found = index.find("Chronic graft versus host disease")
    assert [(m.text, m.values, m.start, m.end) for m in found] == [("graft versus host disease", ["D006086"], 1, 5)]


def test_matches_keep_the_original_spelling_and_end(index: PhraseIndex) -> None:
    text = "Patients with SJÖGREN'S Syndrome and CYTOPENIAS (any)"
    found = index.find(text)
    assert [m.text for m in found] == ["CYTOPENIAS"]  # "sjogren s syndrome" is not "sjogren syndrome"
    assert text[found[0].char_end:].startswith(" (any)")
    found = index.find("Sjögren syndrome; cytopenias")
    assert [(m.text, m.values) for m in found] == [("Sjögren syndrome", ["D012859"]), ("cytopenias", ["D000080983"])]


def test_text_without_a_known_word_finds_nothing(index: PhraseIndex) -> None:
    assert index.find("") == [] and index.find("nothing to see here") == []


def test_remembered_singulars_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    singulars = linking._Singulars()
    monkeypatch.setattr(linking._Singulars, "limit", 3)
    assert [singulars[w] for w in ("therapies", "diseases", "sepsis", "cytopenias", "viruses")] == [
        "therapy", "disease", "sepsis", "cytopenia", "viruse"]
    assert len(singulars) <= 3
