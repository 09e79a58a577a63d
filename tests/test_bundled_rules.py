"""The bundled rule base passes its own rule tests (`policylog test rules/`) and checks clean."""

from policylog.cli import main

from .conftest import RULES


def test_policylog_test_rules_passes_with_full_provision_coverage(capsys, tmp_path):
    junit = tmp_path / "rules.xml"
    code = main(["test", str(RULES), "--junit", str(junit)])
    out, err = capsys.readouterr()
    assert code == 0, out[-4000:] + err[-2000:]
    assert "executable provisions no case made fire: none" in out
    assert "provisions no case rejected: none" in out
    assert junit.read_text(encoding="utf-8").startswith("<?xml")


def test_policylog_clauses_shows_49_of_49(capsys):
    code = main(["clauses", str(RULES)])
    out, _ = capsys.readouterr()
    assert code == 0
    assert "49 of 49 clauses" in out
