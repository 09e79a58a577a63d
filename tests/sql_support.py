"""Shared by the SQL backend tests: random profiles for any rule base, and a comparison of
`policylog qualify` (pyDatalog) with `policylog screen` (DuckDB) on the same profiles."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from hypothesis import strategies as st

from policylog.engine.profiles import load_profile_text
from policylog.engine.qualify import PolicyEngine
from policylog.engine.sql.screen import Screener

MANTISSAS = [0, 1, 3, 50, 999, 1000, 1500, 2000, 4999, 5000, 5001, 10000, 49999, 50000, 60000,
             120000, 400000, 2000000, 30000000]
YEARS = list(range(2022, 2030))


def value_strategy(rule_base, attribute, *, bad: bool = False):
    type_ = attribute.type
    match type_.base:
        case "bool":
            good = st.sampled_from(["true", "false", "是", "否"])
            wrong = st.sampled_from(["maybe", "2"])
        case "year":
            good = st.sampled_from([str(y) for y in YEARS] + ["2026年"])
            wrong = st.sampled_from(["1800", "next year"])
        case "enum":
            good = st.sampled_from(list(rule_base.enums[type_.enum].members))
            wrong = st.just("不存在的值")
        case "set":
            members = list(rule_base.enums[type_.enum].members)
            good = st.lists(st.sampled_from(members), max_size=2, unique=True)
            wrong = st.just(["不存在的值"])
        case "number":
            units = [u.name for u in rule_base.units.units_of(type_.dims)] or [""]
            if not type_.dims:
                units = [""]
            good = st.builds(lambda m, u, frac: f"{m}{frac}{u}", st.sampled_from(MANTISSAS),
                             st.sampled_from(units), st.sampled_from(["", "", ".5", ".25"]))
            wrong = st.sampled_from(["-5吨", "12 公斤", "abc", "1" + "0" * 25 + "元"])
        case _:
            good = st.sampled_from(["甲", "乙", "乌兰察布市"])
            wrong = st.nothing()
    if attribute.per_year:
        good = st.dictionaries(st.sampled_from([str(y) for y in YEARS]), good, max_size=3)
    if bad and type_.base != "text":
        return st.one_of(good, wrong if not attribute.per_year else st.dictionaries(
            st.sampled_from([str(y) for y in YEARS]), wrong, min_size=1, max_size=1))
    return good


@st.composite
def record(draw, rule_base, kind, index, depth=0, bad=False):
    attributes = rule_base.attributes_of(kind)
    chosen = draw(st.lists(st.sampled_from(attributes), unique_by=lambda a: a.name,
                           max_size=min(len(attributes), 14))) if attributes else []
    body = {"id": f"{kind}{index}"}
    for attribute in chosen:
        body[attribute.name] = draw(value_strategy(rule_base, attribute, bad=bad and draw(st.booleans())))
    if depth < 2:
        for child in rule_base.children(kind):
            n = draw(st.integers(min_value=0, max_value=3))
            if n:
                body[child] = [draw(record(rule_base, child, i + 1, depth + 1, bad)) for i in range(n)]
    return body


@st.composite
def profiles(draw, rule_base, min_size=1, max_size=4, bad=False):
    roots = rule_base.root_kinds
    out = []
    for i in range(draw(st.integers(min_value=min_size, max_value=max_size))):
        kind = draw(st.sampled_from(roots[:1] if draw(st.booleans()) else roots))
        body = draw(record(rule_base, kind, i, bad=bad))
        body["id"] = f"P{i}"
        out.append({kind: body})
    return out


_COMPILED: dict[tuple, tuple] = {}


def _compiled(rule_base, policies):
    """The pyDatalog engine and the compiled screener of a rule base, built once per rule base
    (the fixed rule bases of the cross-check tests are screened hundreds of times)."""
    key = (id(rule_base), tuple(sorted(policies or ())))
    cached = _COMPILED.get(key)
    if cached is None or cached[0] is not rule_base:
        if len(_COMPILED) > 8:  # generated rule bases come and go
            _COMPILED.clear()
        cached = _COMPILED[key] = (rule_base, PolicyEngine(rule_base, policies), Screener(rule_base, policies))
    return cached[1], cached[2]


def qualify_answers(rule_base, profile_list, policies=None) -> tuple[dict, set]:
    """{(line, provision, subject path): (status, low, high, excluded_by, payers)}, rejected lines."""
    engine, _ = _compiled(rule_base, policies)
    answers, rejected = {}, set()
    from policylog.dsl.diagnostics import PolicylogError

    for line, profile in enumerate(profile_list, 1):
        try:
            loaded = load_profile_text(json.dumps(profile, ensure_ascii=False), rule_base)
        except PolicylogError:
            rejected.add(line)
            continue
        for award in engine.qualify(loaded).awards:
            provision, path, answer = award_answer(award)
            answers[(line, provision, path)] = answer
    return answers, rejected


def award_answer(award) -> tuple[str, str, tuple]:
    """(provision, subject path, (status, low, high, excluded by, payers)) of a qualify award,
    in the terms of an awards row."""
    path = " / ".join(f"{k}:{i}" for k, i in award.subjects)
    status = "informational" if award.amount is None else ("excluded" if award.excluded_by else "paid")
    amount = award.amount
    payers = {p: (m.low, m.high) for p, m in award.payers} if amount is not None else {}
    return award.provision, path, (status, amount.low if amount else None, amount.high if amount else None,
                                   award.excluded_by, payers)


def write_jsonl(profile_list, tmp: Path) -> Path:
    path = tmp / "register.jsonl"
    path.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in profile_list), encoding="utf-8")
    return path


def screen_answers(rule_base, profile_list, tmp: Path, policies=None, write=write_jsonl) -> tuple[dict, set, Screener]:
    """Screen the profiles as one register, written by `write` (JSON lines by default)."""
    path = write(profile_list, tmp)
    screener = _compiled(rule_base, policies)[1].fresh()
    screener.screen(path)
    # the profile's place in the batch: profiles are numbered in reading order (pid), root table
    # by root table for a table register, so `profile_row` alone is not enough
    place = {(source, row): n for source, row, n in screener.con.execute(
        "SELECT source, row, row_number() OVER (ORDER BY pid) FROM profiles").fetchall()}
    answers = {}
    for row in screener.rows():
        payers = {}
        for payer in screener.compiled.payers:
            low = row[f"payer_{payer}_low"]
            if low is not None:
                payers[payer] = (_norm(low), _norm(row[f"payer_{payer}_high"]))
        answers[(place[(row["profile_source"], row["profile_row"])], row["provision"], row["subject_path"])] = (
            row["status"], _norm(row["amount_low"]), _norm(row["amount_high"]), row["excluded_by"], payers)
    rejected = {place[(source, r)] for source, r in screener.con.execute(
        "SELECT source, row FROM profiles WHERE rejected").fetchall()}
    return answers, rejected, screener


def _norm(value):
    return None if value is None else Decimal(value).normalize()


def normalise(answers: dict) -> dict:
    out = {}
    for key, (status, low, high, excluded, payers) in answers.items():
        out[key] = (status, _norm(low), _norm(high), excluded,
                    {p: (_norm(l), _norm(h)) for p, (l, h) in payers.items()})
    return out


def assert_backends_agree(rule_base, profile_list, tmp: Path, policies=None, write=write_jsonl) -> Screener:
    expected, rejected_q = qualify_answers(rule_base, profile_list, policies)
    actual, rejected_s, screener = screen_answers(rule_base, profile_list, tmp, policies, write)
    assert rejected_s == rejected_q, f"rejected: qualify {rejected_q}, screen {rejected_s}"
    expected, actual = normalise(expected), normalise(actual)
    missing = {k: v for k, v in expected.items() if actual.get(k) != v}
    extra = {k: v for k, v in actual.items() if k not in expected}
    assert not missing and not extra, f"qualify only/different: {missing}\nscreen: " \
        f"{ {k: actual.get(k) for k in missing} }\nscreen only: {extra}"
    summary = screener.summary
    assert summary.read == len(profile_list) == summary.screened + summary.rejected
    return screener


def assert_rows_reproduced(rule_base, screener: Screener, policies=None) -> None:
    """Every profile of the screened register, taken out of it by row (`qualify --row N`,
    `explain --row N`), is rejected exactly when screening rejected it, and otherwise gets
    exactly the awards screening wrote for that row."""
    from policylog.dsl.diagnostics import PolicylogError
    from policylog.engine.sql.extract import profile_text_from_register

    engine, _ = _compiled(rule_base, policies)
    screened: dict[int, dict] = {}
    for row in screener.rows():
        payers = {p: (_norm(row[f"payer_{p}_low"]), _norm(row[f"payer_{p}_high"]))
                  for p in screener.compiled.payers if row[f"payer_{p}_low"] is not None}
        screened.setdefault((row["profile_source"], row["profile_row"]), {})[(row["provision"], row["subject_path"])] = (
            row["status"], _norm(row["amount_low"]), _norm(row["amount_high"]), row["excluded_by"], payers)
    for source, number, rejected in screener.con.execute(
            "SELECT source, row, rejected FROM profiles ORDER BY pid").fetchall():
        try:  # the awards row's profile_source and profile_row, as an auditor gives them
            text, name = profile_text_from_register(Path(source), rule_base, number)
            profile = load_profile_text(text, rule_base, name)
        except PolicylogError as exc:
            assert rejected, f"row {number}: screened, but taken out of the register it is invalid: " \
                f"{[d.message for d in exc.diagnostics]}"
            continue
        assert not rejected, f"row {number}: rejected by screening, valid when taken out:\n{text}"
        expected = normalise({(provision, path): answer for provision, path, answer
                              in map(award_answer, engine.qualify(profile).awards)})
        assert expected == screened.get((source, number), {}), f"{source} row {number}:\n{text}"
