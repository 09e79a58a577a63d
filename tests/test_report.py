"""`policylog report`: golden documents, self-containment, escaping and the version stamp."""

import re
from datetime import date

import pytest

from policylog.dsl.loader import load_rule_base
from policylog.engine.explain import Explainer
from policylog.engine.profiles import load_profile, load_profile_text
from policylog.engine.qualify import PolicyEngine
from policylog.engine.report import build_report, render_html, render_markdown, rule_base_version

from .conftest import FIXTURES, REPO

DAY = date(2026, 3, 31)


def relative(text: str) -> str:
    return text.replace(str(REPO) + "/", "")


@pytest.fixture(scope="module")
def core(core_rules):
    return Explainer(PolicyEngine(core_rules))


@pytest.fixture(scope="module")
def demo():
    return Explainer(PolicyEngine(load_rule_base(FIXTURES / "explain")))


def report_for(explainer, name: str):
    profile = load_profile(FIXTURES / "profiles" / name, explainer.rule_base)
    return build_report(explainer, profile, generated=DAY)


@pytest.mark.parametrize("rules, profile", [("core", "core_enterprise.yaml"),
                                            ("demo", "demo_applies.yaml")])
def test_golden_markdown(rules, profile, core, demo, golden):
    report = report_for(core if rules == "core" else demo, profile)
    golden(f"report/{profile.removesuffix('.yaml')}.md", relative(render_markdown(report)))


def test_golden_html(core, golden):
    golden("report/core_enterprise.html", relative(render_html(report_for(core, "core_enterprise.yaml"))))


def test_report_holds_every_section(core):
    report = report_for(core, "core_misses.yaml")
    text = render_markdown(report)
    for heading in ("## Summary 汇总", "## Facts 申报事实", "## Qualifying provisions",
                    "## Near misses"):
        assert heading in text
    assert "- generated: 2026-03-31" in text and f"`{rule_base_version(core.rule_base)}`" in text
    assert "项目.年节水量 4万吨 \\< 5万吨, short by 1万吨" in text  # `<` escaped for Markdown
    assert "项目\\[节水一期\\].年节水量 from 4万吨 to 5万吨" in text


def test_html_is_self_contained(core):
    html = render_html(report_for(core, "core_enterprise.yaml"))
    assert html.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in html
    assert '<html lang="zh-CN">' in html and "Content-Security-Policy" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html)
    assert not re.search(r"@import|url\(", html)
    assert "@media print" in html and "<details" in html
    # Every award's clause text is quoted, and every tree is there.
    assert html.count('<details class="derivation">') == 8
    assert html.count("<blockquote>") == 8


def test_html_escapes_profile_text(core):
    text = '企业:\n  id: "<b>x</b>"\n  名称: "<script>alert(1)</script>"\n'
    profile = load_profile_text(text, core.rule_base, "evil.yaml")
    html = render_html(build_report(core, profile, generated=DAY))
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>x</b>" not in html


def test_rule_base_version_follows_the_rules(core_rules, tmp_path):
    copy = tmp_path / "rules"
    copy.mkdir()
    for path in (FIXTURES / "core").glob("*.policy"):
        (copy / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    assert rule_base_version(load_rule_base(copy)) == rule_base_version(core_rules)  # path-free
    target = copy / "nmg2026.policy"
    target.write_text(target.read_text(encoding="utf-8").replace("amount 10元/吨", "amount 11元/吨"),
                      encoding="utf-8")
    assert rule_base_version(load_rule_base(copy)) != rule_base_version(core_rules)
