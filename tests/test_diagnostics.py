"""Every rule-file error has a code, a position and a readable rendering."""

import shutil
from pathlib import Path

import pytest

from policylog.dsl.diagnostics import (Diagnostic, PolicylogError, Severity, SourceCache, Span,
                                       display_width, render_text)
from policylog.dsl.loader import load_rule_base

from .conftest import FIXTURES

BAD = Path(__file__).parent / "bad"
BAD_CASES = sorted(BAD.glob("*.policy"))


def _expected_code(path: Path) -> str:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect: "), f"{path.name} must start with `# expect: CODE`"
    return first.removeprefix("# expect: ").strip()


@pytest.mark.parametrize("case", BAD_CASES, ids=[p.stem for p in BAD_CASES])
def test_bad_rule_file_fails_with_its_code(case, tmp_path):
    shutil.copy(FIXTURES / "core" / "vocabulary.policy", tmp_path / "vocabulary.policy")
    shutil.copy(case, tmp_path / case.name)
    sources = SourceCache()
    with pytest.raises(PolicylogError) as info:
        load_rule_base(tmp_path, sources=sources)
    codes = {d.code for d in info.value.diagnostics}
    assert _expected_code(case) in codes
    for diagnostic in info.value.diagnostics:
        assert diagnostic.span is not None, diagnostic
        lines = (tmp_path / Path(diagnostic.span.file).name).read_text(encoding="utf-8").splitlines()
        assert 1 <= diagnostic.span.line <= max(len(lines), 1)
        rendered = render_text(diagnostic, sources)
        assert rendered.startswith(f"error[{diagnostic.code}] {diagnostic.name}: ")
        assert "Traceback" not in rendered


def test_every_checker_code_has_a_bad_case():
    covered = {_expected_code(p) for p in BAD_CASES}
    assert {"E001", "E002", "E003", "E101", "E102", "E103", "E104", "E105", "E106", "E107",
            "E108", "E109", "E110", "E112", "E114"} <= covered


def test_undefined_name_suggests_the_close_one(tmp_path):
    shutil.copy(FIXTURES / "core" / "vocabulary.policy", tmp_path)
    shutil.copy(BAD / "E103-undefined-name.policy", tmp_path)
    with pytest.raises(PolicylogError) as info:
        load_rule_base(tmp_path)
    (diagnostic,) = [d for d in info.value.diagnostics if d.code == "E103"]
    assert diagnostic.help == "did you mean `年节水量`?"


def test_errors_pile_up_within_a_pass(tmp_path):
    shutil.copy(FIXTURES / "core" / "vocabulary.policy", tmp_path)
    (tmp_path / "two.policy").write_text('''policy t {
  default payer 自治区
  clause t.1 {
    title "x"
    text "y"
    provision t.1 {
      for 项目
      when 项目.年节水量 >= 2000吨标准煤 and 项目.年节水辆 > 1万吨
      amount 1万元
    }
  }
}''', encoding="utf-8")
    with pytest.raises(PolicylogError) as info:
        load_rule_base(tmp_path)
    assert [d.code for d in sorted(info.value.diagnostics, key=Diagnostic.sort_key)] == ["E101", "E103"]


def test_carets_line_up_under_chinese_text():
    sources = SourceCache()
    line = "      when 项目.年节水量 >= 2000吨标准煤"
    sources.add("f.policy", line)
    start = line.index("项目") + 1
    diagnostic = Diagnostic("E101", "unit-mismatch", Severity.ERROR, "m",
                            Span("f.policy", 1, start, 1, len(line) + 1))
    rendered = render_text(diagnostic, sources).splitlines()
    source_line, caret_line = rendered[3], rendered[4]
    prefix = source_line[: source_line.index("|") + 2]
    caret_offset = caret_line.index("^")
    assert display_width(source_line[:source_line.index("项目")]) == caret_offset
    assert caret_line.count("^") == display_width(line[start - 1:])
    assert prefix.endswith("| ")


def test_diagnostic_json_has_code_name_and_span():
    diagnostic = Diagnostic("E101", "unit-mismatch", Severity.ERROR, "m", Span("f", 2, 3, 2, 9),
                            help="h")
    data = diagnostic.to_json()
    assert data["code"] == "E101" and data["name"] == "unit-mismatch"
    assert data["span"] == {"file": "f", "line": 2, "column": 3, "end_line": 2, "end_column": 9}


@pytest.mark.parametrize("case", BAD_CASES, ids=[p.stem for p in BAD_CASES])
def test_bad_rule_file_rendering_golden(case, tmp_path, golden):
    shutil.copy(FIXTURES / "core" / "vocabulary.policy", tmp_path / "vocabulary.policy")
    shutil.copy(case, tmp_path / case.name)
    sources = SourceCache()
    with pytest.raises(PolicylogError) as info:
        load_rule_base(tmp_path, sources=sources)
    from policylog.dsl.diagnostics import render_all

    rendered = render_all(info.value.diagnostics, sources).replace(str(tmp_path), "rules")
    golden(f"check/{case.stem}.out", rendered + "\n")
