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


def test_ascii_and_other_text_split_into_the_same_words(index: PhraseIndex) -> None:
    """ASCII text is split on its punctuation, other text by the word pattern: the words, and so the
    matches and their places, are the same (an underscore or a digit-letter run included)."""
    ascii_text = "1)host_disease;\tGRAFT-versus-HOST\ndiseases x2host [cytopenia]."
    other_text = ascii_text + " \u00e9"
    assert ascii_text.isascii() and not other_text.isascii()
    found = [(m.text, m.values, m.start, m.end, m.char_end) for m in index.find(ascii_text)]
    assert found == [(m.text, m.values, m.start, m.end, m.char_end) for m in index.find(other_text)]
    assert [m[0] for m in found] == ["host", "disease", "GRAFT-versus-HOST\ndiseases", "cytopenia"]
    words = ascii_text.lower().translate(linking._ASCII_GAPS).split()
    assert words == linking._TOKEN.findall(ascii_text.lower())
    every_ascii = "".join(map(chr, range(128))) * 2
    assert every_ascii.translate(linking._ASCII_GAPS).split() == linking._TOKEN.findall(every_ascii)


def test_text_without_a_known_word_finds_nothing(index: PhraseIndex) -> None:
    assert index.find("") == [] and index.find("nothing to see here") == []


def test_remembered_singulars_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    singulars = linking._Singulars()
    monkeypatch.setattr(linking._Singulars, "limit", 3)
    assert [singulars[w] for w in ("therapies", "diseases", "sepsis", "cytopenias", "viruses")] == [
        "therapy", "disease", "sepsis", "cytopenia", "viruse"]
    assert len(singulars) <= 3


# --- condition texts against the full MeSH ------------------------------------------------------


def test_inside_a_condition_text_only_diseases_behaviours_and_mental_disorders_are_found() -> None:
    """With every MeSH descriptor known, a longer condition text holds anatomy, organism, chemical and
    procedure names too ("Hand" in "Arthritis Hand", "DDD" the insecticide in "Degenerative Disc
    Disease(DDD)"); inside a text only names of the C, F01 and F03 trees link. A whole text that
    names a procedure or body part ("Diskectomy", "Surgery", "Hand") is not a condition either."""
    M = linking.MeshName
    linker = linking.Linker(mesh_names=[
        M("arthritis", "Arthritis", "PREFERRED_LABEL", True), M("hand", "Hand", "PREFERRED_LABEL", False),
        M("ddd", "DDD", "ENTRY_TERM", False), M("disc", "Degenerative Disc Disease", "ENTRY_TERM", True),
        M("depression", "Depression", "PREFERRED_LABEL", False, True), M("teen", "Teen", "ENTRY_TERM", False),
        M("smoking", "Smoking", "PREFERRED_LABEL", False, True),
    ])
    assert [link.target for link in linker.link_condition("Arthritis Hand")] == ["arthritis"]
    assert [link.target for link in linker.link_condition("Degenerative Disc Disease(DDD)")] == ["disc"]
    assert [link.target for link in linker.link_condition("Depression, Teen")] == ["depression"]
    assert linker.link_condition("Hand") == []  # the whole text, but no condition
    assert [(link.target, link.method) for link in linker.link_condition("smoking")] == [("smoking", "PREFERRED_LABEL")]


def test_an_inverted_mesh_name_links_in_natural_order_unless_another_descriptor_has_that_name() -> None:
    """Registry conditions are written "Atopic Dermatitis"; MeSH writes "Dermatitis, Atopic"."""
    M = linking.MeshName
    names = [M("atopic", "Dermatitis, Atopic", "PREFERRED_LABEL", True), M("dermatitis", "Dermatitis", "PREFERRED_LABEL", True),
             M("a", "Pain, Back", "ENTRY_TERM", True), M("b", "Back Pain", "PREFERRED_LABEL", True),
             M("c", "Cancer, Oat", "ENTRY_TERM", True), M("d", "Oat, Cancer", "ENTRY_TERM", True),
             M("e", "Oat Cancer", "ENTRY_TERM", True)]
    extra = linking._natural_order(names)
    assert [(n.descriptor, n.name, n.method) for n in extra] == [("atopic", "Atopic Dermatitis", "INVERTED_TERM")]
    linker = linking.Linker(mesh_names=names + extra)
    assert [(link.target, link.method) for link in linker.link_condition("Atopic Dermatitis")] == [("atopic", "INVERTED_TERM")]
    assert [link.target for link in linker.link_condition("Back Pain")] == ["b"]  # its own descriptor's name wins
    # two descriptors that invert to one name: it names neither
    assert linking._natural_order([M("x", "Ulcer, Leg", "ENTRY_TERM", True), M("y", "Ulcer, Leg", "ENTRY_TERM", True)]) == []


def test_condition_words_split_letters_from_digits_and_fold_british_spellings() -> None:
    M = linking.MeshName
    linker = linking.Linker(mesh_names=[M("t2", "Type 2 Diabetes", "ENTRY_TERM", True),
                                        M("idd", "Intervertebral Disk Displacement", "PREFERRED_LABEL", True),
                                        M("tumor", "Brain Tumor", "ENTRY_TERM", True)])
    assert [(link.target, link.matched) for link in linker.link_condition("Type2 Diabetes")] == [("t2", "Type2 Diabetes")]
    assert [link.target for link in linker.link_condition("Intervertebral Disc Displacement")] == ["idd"]
    assert [link.target for link in linker.link_condition("Brain Tumours")] == ["tumor"]


def test_a_general_head_word_inside_a_condition_text_does_not_link() -> None:
    """"Disc Disease" is not "Disease" (D004194); "Radiating Leg Pain" not just "Pain" (D010146)."""
    M = linking.MeshName
    mesh = linking.MESH_NS
    linker = linking.Linker(mesh_names=[M(mesh + "D004194", "Disease", "PREFERRED_LABEL", True),
                                        M(mesh + "D010146", "Pain", "PREFERRED_LABEL", True),
                                        M(mesh + "D001416", "Back Pain", "PREFERRED_LABEL", True)])
    assert linker.link_condition("Disc Disease") == []
    assert linker.link_condition("Radiating Leg Pain") == []
    assert [link.target for link in linker.link_condition("Pain")] == [mesh + "D010146"]  # the whole text
    assert [link.target for link in linker.link_condition("Chronic Back Pain")] == [mesh + "D001416"]


def test_the_broader_descriptor_a_condition_text_names_too_is_linked_beside_the_specific_one() -> None:
    M = linking.MeshName
    linker = linking.Linker(
        mesh_names=[M("idd", "Disc Herniation", "ENTRY_TERM", True), M("hernia", "Hernia", "PREFERRED_LABEL", True),
                    M("lbp", "Low Back Pain", "PREFERRED_LABEL", True), M("bp", "Back Pain", "PREFERRED_LABEL", True),
                    M("spine", "Spinal Diseases", "PREFERRED_LABEL", True)],
        mesh_broader={"idd": ("hernia", "spine"), "lbp": ("bp",)})
    assert [(link.target, link.method) for link in linker.link_condition("Lumbar Disc Herniation")] == [
        ("idd", "ENTRY_TERM"), ("hernia", "BROADER_TERM")]  # "Spinal Diseases" is not named: not linked
    assert [(link.target, link.method) for link in linker.link_condition("Low Back Pain")] == [
        ("lbp", "PREFERRED_LABEL"), ("bp", "BROADER_TERM")]
    # an adjective qualifies another word and does not name the broader descriptor
    linker = linking.Linker(mesh_names=[M("idd", "Herniated Disc", "ENTRY_TERM", True), M("hernia", "Hernia", "PREFERRED_LABEL", True)],
                            mesh_broader={"idd": ("hernia",)})
    assert [link.target for link in linker.link_condition("Herniated Disc")] == ["idd"]


def test_the_broader_descriptors_come_from_the_tree_numbers_in_the_store(tmp_path) -> None:
    from graph.build import build
    from graph.store import open_store
    import io

    store = open_store(tmp_path / "store")
    try:
        assert build(store, err=io.StringIO(), progress=False, open_reference=False).ok
        broader = linking.mesh_broader(store)
    finally:
        store.close()
    mesh = linking.MESH_NS
    # Hematologic Neoplasms, C04.588.448 and C15.378.400: Neoplasms by Site and Hematologic Diseases
    assert set(broader[mesh + "D019337"]) == {mesh + "D009371", mesh + "D006402"}
