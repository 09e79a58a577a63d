"""`policylog compile`: the IR readably, the SQL in three dialects."""

import sqlglot

from policylog.cli import main
from policylog.dsl.loader import load_rule_base
from policylog.engine.compiler import compile_rule_base
from policylog.engine.sql.compiler import SqlCompiler, transpile

from .conftest import RULES


def test_compile_datalog_and_sql_targets(capsys):
    assert main(["compile", "--target", "datalog", "--provision", "nmg2026.1.3"]) == 0
    out = capsys.readouterr().out
    assert "fire@nmg2026·1·3#0" in out and "项目@年节水量" in out
    assert main(["compile", "--target", "sql", "--provision", "nmg2026.1.3"]) == 0
    assert '"年节水量"' in capsys.readouterr().out


def test_full_screening_sql_transpiles_to_spark_and_trino():
    rule_base = load_rule_base(RULES)
    compiled = SqlCompiler(rule_base, compile_rule_base(rule_base)).compile()
    for dialect in ("spark", "trino"):
        for statement in compiled.statements():
            text = transpile(statement, dialect)
            assert sqlglot.parse(text, read=dialect)


def test_amount_sql_has_no_floating_point():
    rule_base = load_rule_base(RULES)
    compiled = SqlCompiler(rule_base, compile_rule_base(rule_base)).compile()
    text = " ".join(compiled.statements()).upper()
    assert "DOUBLE" not in text and "FLOAT" not in text and "REAL" not in text
