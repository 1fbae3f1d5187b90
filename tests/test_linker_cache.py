"""The built linker is kept in the user's cache directory under the reference stamp and read back by
the next load over the same reference (graph/linker_cache.py)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from graph import linker_cache, linking
from graph.build import build
from graph.linking import DrugName, Linker
from graph.loader import Loader, _curated_rules, build_linker, linker_stamp
from graph.store import open_store
from tests.conftest import minimal_study, write_jsonl

ASPIRIN = "https://w3id.org/trialgraph/drug/aspirin"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv("TRIALGRAPH_CACHE", str(directory))
    return directory


class Builds:
    """A real linker build, counted."""

    def __init__(self, name: str = "aspirin") -> None:
        self.name, self.count = name, 0

    def __call__(self) -> Linker:
        self.count += 1
        return Linker(drug_names=[DrugName(ASPIRIN, self.name, "INN", "g")])


def test_the_same_stamp_reads_the_linker_back_and_another_builds(cache: Path) -> None:
    builds = Builds()
    first = linker_cache.cached("stamp:a", builds)
    again = linker_cache.cached("stamp:a", builds)
    assert builds.count == 1 and again is not first
    assert again.fingerprint == first.fingerprint
    assert [link.target for link in again.link_drug("Aspirin 100 mg")] == [ASPIRIN]
    linker_cache.cached("stamp:b", builds)
    assert builds.count == 2 and len(list(cache.glob("*.linker"))) == 2


def test_a_damaged_file_is_built_again_and_replaced(cache: Path) -> None:
    builds = Builds()
    linker_cache.cached("stamp:a", builds)
    (kept,) = cache.glob("*.linker")
    kept.write_bytes(kept.read_bytes()[:100])  # cut short, as by a full disk
    linker = linker_cache.cached("stamp:a", builds)
    assert builds.count == 2 and linker.link_drug("aspirin")
    linker_cache.cached("stamp:a", builds)
    assert builds.count == 2  # the rewritten file is whole


def test_other_code_never_reads_a_linker_kept_by_this_code(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    builds = Builds()
    linker_cache.cached("stamp:a", builds)
    monkeypatch.setattr(linker_cache, "_code_digest", lambda: "another version")
    linker_cache.cached("stamp:a", builds)
    assert builds.count == 2


def test_off_keeps_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIALGRAPH_CACHE", "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    builds = Builds()
    linker_cache.cached("stamp:a", builds)
    linker_cache.cached("stamp:a", builds)
    assert builds.count == 2 and not any(tmp_path.rglob("*.linker"))


def test_the_default_directory_is_the_users_cache(tmp_path: Path) -> None:
    assert linker_cache.cache_dir({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "trialgraph"
    assert linker_cache.cache_dir({"TRIALGRAPH_CACHE": str(tmp_path / "x")}) == tmp_path / "x"
    assert linker_cache.cache_dir({"TRIALGRAPH_CACHE": "OFF"}) is None


def test_only_the_most_recent_are_kept(cache: Path) -> None:
    builds = Builds()
    for n in range(linker_cache.KEEP + 3):
        linker_cache.cached(f"stamp:{n}", builds)
    assert len(list(cache.glob("*.linker"))) == linker_cache.KEEP
    linker_cache.cached(f"stamp:{linker_cache.KEEP + 2}", builds)  # the newest is among them
    assert builds.count == linker_cache.KEEP + 3


def test_a_load_after_build_reads_the_linker_build_made(cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``trialgraph build`` builds the linker for the seed trials; the user's first load over the
    same store reads it back, and a load after a new reference builds a new one."""
    calls: list[int] = []
    real_from_store = linking.from_store

    def counted(*args, **kwargs) -> Linker:  # noqa: ANN002, ANN003
        calls.append(1)
        return real_from_store(*args, **kwargs)

    monkeypatch.setattr(linking, "from_store", counted)
    store = open_store(tmp_path / "store")
    try:
        assert build(store, err=io.StringIO(), progress=False, open_reference=False).ok
        assert len(calls) == 1
        stamp = linker_stamp(store)
        records = write_jsonl(tmp_path / "one.jsonl", [minimal_study("NCT90000001")])
        assert Loader(store, err=io.StringIO(), progress=False).load([records]).ok
        assert len(calls) == 1 and linker_stamp(store) == stamp
        rules, resolutions, _ = _curated_rules()
        assert build_linker(store).fingerprint == real_from_store(store, rules, resolutions).fingerprint
        mesh = tmp_path / "mesh.tsv"
        mesh.write_text("descriptor_ui\tpreferred_label\ttree_numbers\tentry_terms\nD000001\tCalcimycin\tD03.633.100.221.173\tA23187\n", encoding="utf-8")
        assert Loader(store, err=io.StringIO(), progress=False).load([mesh]).ok
        assert linker_stamp(store) != stamp
        build_linker(store)
        assert len(calls) == 2
    finally:
        store.close()
