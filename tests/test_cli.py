"""The command line: the contract of PRODUCT.md (stdout/stderr, exit codes, formats, help)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import click
import pytest

from graph.cli import cli, main
from tests.conftest import ROOT, minimal_study, write_jsonl


def run(capfd: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capfd.readouterr()
    return code, out, err


@pytest.fixture
def loaded_store(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> str:
    store = str(tmp_path / "store")
    data = write_jsonl(tmp_path / "s.jsonl", [minimal_study("NCT90000001"), minimal_study("NCT90000002")])
    code, _, err = run(capfd, "load", str(data), "--store", store)
    assert code == 0, err
    return store


def _leaf_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = []
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            out.append((*prefix, name))
            out.extend(_leaf_commands(command, (*prefix, name)))
        else:
            out.append((*prefix, name))
    return out


COMMANDS = _leaf_commands(cli)


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help_with_an_example(command: tuple[str, ...], capfd: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capfd, *command, "--help")
    assert code == 0
    assert "Example" in out
    if not isinstance(cli.get_command(click.Context(cli), command[0]), click.Group) or len(command) > 1:
        assert "--store" in out


def test_load_prints_a_summary_on_stderr_and_nothing_on_stdout(tmp_path: Path, capfd) -> None:
    data = write_jsonl(tmp_path / "s.jsonl", [minimal_study()])
    code, out, err = run(capfd, "load", str(data), "--store", str(tmp_path / "st"))
    assert code == 0 and out == ""
    assert "loaded 1 studies (1 new, 0 changed, 0 unchanged), rejected 0" in err


def test_load_exits_1_when_a_record_is_rejected_after_loading_the_rest(tmp_path: Path, capfd) -> None:
    bad = minimal_study("NCT90000002", protocolSection__identificationModule__nctId="NCT12")
    data = write_jsonl(tmp_path / "s.jsonl", [minimal_study(), bad])
    code, _, err = run(capfd, "load", str(data), "--store", str(tmp_path / "st"))
    assert code == 1
    assert "rejected 1" in err and "'NCT12' is not an NCT id" in err
    code, out, _ = run(capfd, "query", "SELECT ?id WHERE { ?t tg:nctId ?id }", "--format", "csv",
                       "--store", str(tmp_path / "st"))
    assert out.splitlines() == ["id", "NCT90000001"]


def test_missing_file_is_a_clear_error(tmp_path: Path, capfd) -> None:
    code, _, err = run(capfd, "load", str(tmp_path / "nope.json"), "--store", str(tmp_path / "st"))
    assert code == 1 and "nope.json: no such file or directory" in err


def test_usage_errors_exit_2(capfd) -> None:
    assert run(capfd, "query", "--format", "pdf", "ASK {}")[0] == 2
    assert run(capfd, "no-such-command")[0] == 2
    assert run(capfd, "query")[0] == 2


def test_query_formats(loaded_store: str, capfd) -> None:
    sparql = "SELECT ?id ?title WHERE { ?t tg:nctId ?id ; tg:briefTitle ?title } ORDER BY ?id"
    code, out, _ = run(capfd, "query", sparql, "--format", "json", "--store", loaded_store)
    doc = json.loads(out)
    assert doc["head"]["vars"] == ["id", "title"]
    assert [b["id"]["value"] for b in doc["results"]["bindings"]] == ["NCT90000001", "NCT90000002"]
    code, out, _ = run(capfd, "query", sparql, "--format", "tsv", "--store", loaded_store)
    assert out.splitlines()[0] == "?id\t?title"
    code, out, _ = run(capfd, "query", sparql, "--format", "xml", "--store", loaded_store)
    assert out.startswith("<?xml") and "sparql-results" in out
    code, out, _ = run(capfd, "query", sparql, "--store", loaded_store)
    assert "NCT90000001" in out and "(2 rows)" in out
    code, out, _ = run(capfd, "query", sparql, "--format", "md", "--store", loaded_store)
    assert out.splitlines()[0] == "| id | title |"


def test_query_ask_construct_stdin_and_file(loaded_store: str, tmp_path: Path, capfd, monkeypatch) -> None:
    code, out, _ = run(capfd, "query", "ASK { ?t tg:phase tgc:phase-PHASE1_PHASE2 }", "--store", loaded_store)
    assert out.strip() == "true"
    code, out, _ = run(capfd, "query", "CONSTRUCT { ?t tg:leadSponsor ?o } WHERE { ?t tg:leadSponsor ?o }",
                       "--format", "ntriples", "--store", loaded_store)
    assert len(out.splitlines()) == 2
    monkeypatch.setattr("sys.stdin", io.StringIO("SELECT (COUNT(*) AS ?n) WHERE { ?t a tg:Trial }"))
    code, out, _ = run(capfd, "query", "-", "--format", "csv", "--store", loaded_store)
    assert out.splitlines() == ["n", "2"]
    query_file = tmp_path / "q.rq"
    query_file.write_text("SELECT ?id WHERE { ?t tg:nctId ?id } ORDER BY DESC(?id) LIMIT 1")
    code, out, _ = run(capfd, "query", "-f", str(query_file), "--format", "csv", "--store", loaded_store)
    assert out.splitlines() == ["id", "NCT90000002"]


def test_malformed_query_is_exit_1_with_the_parser_message(loaded_store: str, capfd) -> None:
    code, out, err = run(capfd, "query", "SELECT ?x WHERE { ?x ", "--store", loaded_store)
    assert code == 1 and out == ""
    # told in words, as the server tells it: where, and what was expected
    assert err.startswith("error: malformed SPARQL query at line 1, column ")
    assert "expected" in err and "^" in err and "SELECT ?x WHERE { ?x" in err


def test_a_report_name_or_file_given_as_a_query_gets_a_hint(loaded_store: str, tmp_path: Path, capfd) -> None:
    code, out, err = run(capfd, "query", "trials_by_drug", "--store", loaded_store)
    assert code == 1 and out == "" and err.startswith("error: malformed SPARQL query at line 1, column ")
    assert "'trials_by_drug' is a named report: trialgraph report run trials_by_drug" in err
    question = tmp_path / "question.rq"
    question.write_text("ASK { ?t a tg:Trial }")
    code, out, err = run(capfd, "query", str(question), "--store", loaded_store)
    assert code == 1 and f"trialgraph query -f {question}" in err
    code, _, err = run(capfd, "query", "nothing_by_this_name", "--store", loaded_store)
    assert code == 1 and "hint" not in err and "report run" not in err and "query -f" not in err


def test_query_on_a_missing_store_says_how_to_make_one(tmp_path: Path, capfd) -> None:
    code, _, err = run(capfd, "query", "ASK {}", "--store", str(tmp_path / "none"))
    assert code == 1 and "run 'trialgraph build' or 'trialgraph load' first" in err


def test_export_to_file_and_stdout(loaded_store: str, tmp_path: Path, capfd) -> None:
    target = tmp_path / "out.nq"
    code, out, err = run(capfd, "export", "-o", str(target), "--store", loaded_store)
    assert code == 0 and out == "" and "wrote" in err
    assert target.read_text().count("\n") > 100
    code, out, _ = run(capfd, "export", "--trial", "NCT90000001", "--store", loaded_store)
    assert "@prefix tg:" in out and "NCT90000002" not in out


def test_stats(loaded_store: str, capfd) -> None:
    code, out, _ = run(capfd, "stats", "--format", "json", "--store", loaded_store)
    counts = json.loads(out)
    assert counts["trials"] == 2 and counts["trial graphs"] == 2 and counts["sites"] == 2
    assert counts["sponsors"] == 2 and counts["MeSH links"] == 4


def test_store_from_environment(tmp_path: Path, capfd, monkeypatch) -> None:
    monkeypatch.setenv("TRIALGRAPH_STORE", str(tmp_path / "envstore"))
    data = write_jsonl(tmp_path / "s.jsonl", [minimal_study()])
    assert run(capfd, "load", str(data))[0] == 0
    assert (tmp_path / "envstore").is_dir()


def test_console_script_and_module_entry_point(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "graph", "--version"], capture_output=True, text=True, cwd=tmp_path,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0 and done.stdout.startswith("trialgraph, version")
