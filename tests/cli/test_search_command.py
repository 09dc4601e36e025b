"""``risk-tracker search TEXT [--kind KIND] [--limit N]``: REF<TAB>KIND<TAB>TITLE lines,
best first, and the exit codes of PRODUCT.md (0 found or not, 1 user error, 2 usage)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from db import repository
from db.engine import open_register
from desktop.cli import main
from tests.db import factories


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("search") / "demo.db"
    assert main(["demo", "--db", str(path)]) == 0
    return path


def search(capsys: Any, *args: str) -> tuple[int, list[list[str]], str]:
    capsys.readouterr()
    code = main(["search", *args])
    out, err = capsys.readouterr()
    return code, [line.split("\t") for line in out.splitlines()], err


def test_lines_are_ref_kind_title_best_first(demo: Path, capsys: Any) -> None:
    code, lines, err = search(capsys, "R-002", "--db", str(demo))
    assert code == 0 and err == ""
    assert lines[0][:2] == ["R-002", "risk"] and len(lines[0]) == 3 and lines[0][2]
    code, lines, _ = search(capsys, "--db", str(demo), "protest")
    assert code == 0 and lines and all(len(line) == 3 for line in lines)
    assert {line[1] for line in lines} <= {"stakeholder", "partnership", "risk", "event"}


def test_kind_and_limit(demo: Path, capsys: Any) -> None:
    _code, every, _ = search(capsys, "--db", str(demo), "defence", "--limit", "50")
    kinds = {line[1] for line in every}
    assert len(kinds) >= 2  # the word is in records of several kinds
    for kind in kinds:
        for spelling in (kind, kind + "s", kind.upper() + "S"):
            code, lines, _ = search(capsys, "--db", str(demo), "defence", "--kind", spelling)
            assert code == 0 and lines and {line[1] for line in lines} == {kind}
    n = len(every)
    assert n >= 3
    assert len(search(capsys, "--db", str(demo), "defence", "--limit", str(n - 1))[1]) == n - 1
    assert len(search(capsys, "--db", str(demo), "defence", "--limit", str(n))[1]) == n
    assert len(search(capsys, "--db", str(demo), "defence", "--limit", str(n + 1))[1]) == n
    assert len(search(capsys, "--db", str(demo), "defence", "--limit", "1")[1]) == 1


def test_nothing_found_prints_nothing_and_succeeds(demo: Path, capsys: Any) -> None:
    assert search(capsys, "--db", str(demo), "zzzqqq") == (0, [], "")
    assert search(capsys, "--db", str(demo), '"(* -^:') == (0, [], "")


@pytest.mark.parametrize(
    "args",
    [
        ["x", "--limit", "0"],
        ["x", "--limit", "-1"],
        ["x", "--limit", "many"],
        ["x", "--kind", "meetings"],
        [],
    ],
)
def test_usage_errors_exit_2(demo: Path, capsys: Any, args: list[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["search", "--db", str(demo), *args])
    assert exc.value.code == 2


def test_user_errors_exit_1_with_one_line(tmp_path: Path, demo: Path, capsys: Any) -> None:
    code, lines, err = search(capsys, "x", "--db", str(tmp_path / "missing.db"))
    assert code == 1 and lines == [] and err.count("\n") == 1
    code, lines, err = search(capsys, "x", "--db", str(demo), "--ceiling", "TOPSECRET")
    assert code == 1 and err.startswith("risk-tracker:")


def test_ceiling_and_titles_kept_on_one_line(tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "r.db"
    reg = open_register(path)
    with reg.write() as s:
        factories.event(s, "Secret\ttasking", classification="SECRET")
        factories.event(s, "Open tasking", classification="PUBLIC")
        record = factories.event(s, "Restricted tasking", classification="RESTRICTED")
        repository.update(s, "event", record.id, {"notes": "line one\nline two"}, actor="t")
    reg.dispose()
    _code, lines, _ = search(capsys, "tasking", "--db", str(path))
    assert sorted(line[0] for line in lines) == ["E-0001", "E-0002", "E-0003"]
    assert ["E-0001", "event", "Secret tasking"] in lines
    _code, lines, _ = search(capsys, "tasking", "--db", str(path), "--ceiling", "restricted")
    assert sorted(line[0] for line in lines) == ["E-0002", "E-0003"]
    _code, lines, _ = search(capsys, "tasking", "--db", str(path), "--ceiling", "PUBLIC")
    assert [line[0] for line in lines] == ["E-0002"]
