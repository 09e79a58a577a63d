"""Fuzzed profiles: every document loads to the values it states, or yields clear diagnostics.

Profiles are drawn for the frozen core rule base (and the bundled one), written as YAML or JSON
the way spreadsheets and people write them, then damaged: wrong types, misspelt fields, units of
the wrong dimension, thousands separators, negative and absurd quantities, empty and hostile YAML,
and plain text damage. A profile that loads must hold exactly the values written (in base units)
and give the answers of the reference interpreter (tests/fuzz/reference.py).
"""

from __future__ import annotations

import copy
import json
import tempfile
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policylog.dsl.diagnostics import PolicylogError
from policylog.dsl.loader import load_rule_base
from policylog.engine.profiles import load_profile, load_profile_text
from policylog.engine.qualify import PolicyEngine
from policylog.engine.render import dumps, render_text, result_to_json

from ..conftest import FIXTURES, REPO
from .harness import assert_well_formed, yaml_lines
from .reference import Reference
from .rulegen import GeneratedProfile, profiles_for, vocabulary_of


@cache
def rule_base_and_engine(name: str):
    rule_base = load_rule_base(FIXTURES / "core" if name == "core" else REPO / "rules")
    return rule_base, PolicyEngine(rule_base), vocabulary_of(rule_base)


def load_or_report(text: str, rule_base, file: str = "profile.yaml"):
    """The loaded profile, or None after checking the diagnostics are well formed."""
    try:
        return load_profile_text(text, rule_base, file)
    except PolicylogError as exc:
        assert_well_formed(exc.diagnostics, {file: text}, lines_of=yaml_lines)
        return None


def answer(engine, profile) -> None:
    result = engine.qualify(profile)
    dumps(result_to_json(result))
    render_text(result)


# ---- valid profiles: exact values and right answers -------------------------------------------

@given(st.sampled_from(["core", "core", "rules"]), st.data())
def test_generated_profiles_load_exactly_and_answer_like_the_reference(fuzz_inputs, base, data):
    fuzz_inputs["profiles"] += 1
    rule_base, engine, vocab = rule_base_and_engine(base)
    generated: GeneratedProfile = data.draw(profiles_for(vocab))
    try:
        profile = load_profile_text(generated.text, rule_base, f"p.{generated.format}")
    except PolicylogError as exc:
        raise AssertionError(f"refused: {[d.message for d in exc.diagnostics]}\n{generated.text}") from None
    assert {(r.kind, r.id): r.values for r in profile.records} == \
        {(r.kind, r.id): r.values for r, _ in generated.records()}
    result = engine.qualify(profile)
    dumps(result_to_json(result))
    got = {(a.provision, a.subject_id) for a in result.awards}
    want = Reference(rule_base, generated.records()).qualifying()
    assert got == want, f"engine {sorted(got - want)} extra, {sorted(want - got)} missing\n{generated.text}"


# ---- damaged documents -------------------------------------------------------------------------

def _paths(node, path=()):
    """Every (path, value) in a plain document, containers included."""
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, path + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, path + (index,))


def _set(document, path, value):
    target = document
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value


def _typo(draw, word: str) -> str:
    index = draw(st.integers(0, max(len(word) - 1, 0)))
    match draw(st.sampled_from(["drop", "double", "swap", "space", "width"])):
        case "drop" if len(word) > 2:
            return word[:index] + word[index + 1:]
        case "double":
            return word[:index] + word[index] + word[index:]
        case "swap" if len(word) > 1 and index < len(word) - 1:
            return word[:index] + word[index + 1] + word[index] + word[index + 2:]
        case "space":
            return word + " "
    return word + "的"


HOSTILE_VALUES = [
    "-5万元", "-0.01吨", "999999999999999999999999万元", "1" + "0" * 27 + "亿元", "1,00万元", "1,000万元",
    "1，000万元", "１，０００万吨", "5 万元", "5万", "5元", "5吨", "5吨标准煤", "5%", "５０％", "5e3", "0x10",
    "1_000", "+5", ".5", "5.", "NaN", "Infinity", "", " ", "~", "null", "true", "yes", "是", "maybe",
    "二〇二五", "2025年", "１９４８", "2101", "0", "00000000000000000000000000001", "1.5", "1/2", "¥5", "5元/吨",
    "{{7*7}}", "${7*7}", "__import__('os').system('true')", "\u202e5万元", "5\u200b万元", "５万吨\u3000",
]


@st.composite
def damaged_documents(draw, vocab, document):
    """The document with one to three targeted faults."""
    document = copy.deepcopy(document)
    expected = set()
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p, _ in _paths(document) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        fault = draw(st.sampled_from(["value", "type", "rename", "drop", "duplicate-id", "year-key"]))
        parent_path, key = path[:-1], path[-1]
        parent = document
        for step in parent_path:
            parent = parent[step]
        match fault:
            case "value":
                _set(document, path, draw(st.sampled_from(HOSTILE_VALUES)))
            case "type":
                _set(document, path, draw(st.sampled_from([[], {}, [1, 2], {"a": 1}, [[["x"]]], 5, True, None])))
            case "rename" if isinstance(key, str):
                new = _typo(draw, key)
                if new not in parent:
                    parent[new] = parent.pop(key)
                    expected.add("E301")
            case "drop" if isinstance(parent, dict):
                del parent[key]
            case "duplicate-id" if isinstance(parent, list) and isinstance(parent[key], dict):
                parent.append(copy.deepcopy(parent[key]))
            case "year-key" if isinstance(parent, dict) and isinstance(key, str) and key.isdigit():
                parent[draw(st.sampled_from(["1900", "二〇二五", "2025.5", "-2025", "𐩀", key + "年"]))] = parent[key]
    return document, expected


@given(st.sampled_from(["core", "rules"]), st.data())
def test_damaged_profiles_load_or_report(fuzz_inputs, base, data):
    fuzz_inputs["profiles"] += 1
    rule_base, engine, vocab = rule_base_and_engine(base)
    generated = data.draw(profiles_for(vocab))
    root_kind = next(iter(json.loads(json.dumps(_document(generated)))))
    document, expected = data.draw(damaged_documents(vocab, _document(generated)))
    text = json.dumps(document, ensure_ascii=False) if data.draw(st.booleans()) else _to_yaml(document)
    profile = load_or_report(text, rule_base)
    if profile is not None:
        answer(engine, profile)
    assert root_kind


def _document(generated: GeneratedProfile) -> dict:
    import yaml

    return yaml.safe_load(generated.text) if generated.format == "yaml" else json.loads(generated.text)


def _to_yaml(document) -> str:
    import yaml

    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)


@given(st.data())
def test_misspelt_fields_get_a_did_you_mean(fuzz_inputs, data):
    """One field renamed by a typo: refused with E301 naming a declared field."""
    fuzz_inputs["profiles"] += 1
    rule_base, _engine, vocab = rule_base_and_engine("core")
    kind = data.draw(st.sampled_from([k for k, _, _ in vocab.kinds]))
    attribute = data.draw(st.sampled_from(vocab.attrs([kind])))
    typo = _typo(data.draw, attribute.name)
    if typo == attribute.name or any(a.name == typo for a in vocab.attrs([kind])):
        return
    root = vocab.roots()[0]
    field = f"{json.dumps(typo, ensure_ascii=False)}: 1\n"
    text = f"{root}:\n  {field}" if kind == root else f"{root}:\n  {kind}:\n    - id: x\n      {field}"
    with pytest.raises(PolicylogError) as raised:
        load_profile_text(text, rule_base, "p.yaml")
    (diagnostic,) = raised.value.diagnostics
    assert diagnostic.code == "E301", diagnostic
    assert_well_formed([diagnostic], {"p.yaml": text}, lines_of=yaml_lines)
    assert diagnostic.help and diagnostic.help.startswith("did you mean `"), diagnostic.help
    suggested = diagnostic.help.split("`")[1]
    assert suggested in {a.name for a in vocab.attrs([kind])} | set(vocab.children(kind)) | {"id", "编号"}


@given(st.data())
def test_quantities_as_spreadsheets_write_them(fuzz_inputs, data):
    """`1,000万元`, `１２万吨`, `5 万元`: the value in base units; bad separators and units refused."""
    fuzz_inputs["profiles"] += 1
    rule_base, _engine, vocab = rule_base_and_engine("core")
    number = data.draw(st.integers(0, 10 ** 12))
    unit, scale = data.draw(st.sampled_from([("吨", 1), ("万吨", 10000)]))
    written = data.draw(st.sampled_from([f"{number:,}", str(number), f"{number:,}".replace(",", "，"),
                                         str(number).translate(str.maketrans("0123456789", "０１２３４５６７８９"))]))
    space = data.draw(st.sampled_from(["", " ", "\u3000"]))
    text = f"企业:\n  项目:\n    - id: p\n      年节水量: \"{written}{space}{unit}\"\n"
    profile = load_or_report(text, rule_base)
    if number * scale >= 10 ** 18:
        assert profile is None  # E306: implausibly large
        return
    assert profile is not None, text
    assert profile.records[1].values["年节水量"] == number * scale
    bad = data.draw(st.sampled_from([f"{number}0,00{unit}", f"{number}{unit}标准煤", f"-{number + 1}{unit}",
                                     f"{number}万元", f"{number}", f"{number}kg"]))
    refused = load_or_report(f"企业:\n  项目:\n    - id: p\n      年节水量: \"{bad}\"\n", rule_base)
    assert refused is None, bad


# ---- plain text damage and hostile YAML -------------------------------------------------------

YAML_NASTIES = [
    "", " ", "\n\n", "# only a comment\n", "---\n", "--- \n...\n", "~", "null", "[]", "{}", "企业:", "企业: ~",
    "企业: []", "企业: 5", "企业:\n  项目: 5\n", "企业:\n  项目: {}\n", "企业:\n  项目:\n    - 5\n",
    "企业: &a {id: x}\n", "企业:\n  名称: &n x\n  盟市: *n\n",
    "a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\n",
    "企业: !!python/object/apply:os.system ['touch /tmp/policylog_pwned']\n",
    "企业:\n  名称: !!python/name:os.system\n",
    "企业: {id: x, id: y}\n", "企业:\n  id: x\n  编号: y\n", "企业:\n  ? [a, b]\n  : c\n",
    "企业:\n  项目:\n    - id: a\n    - id: a\n", "企业:\n\t名称: x\n", "企业:\n  名称: \"unterminated\n",
    "[" * 2000, "{" * 2000, "企业: " + "[" * 500 + "]" * 500, "- " * 3000 + "x",
    "企业:\n  名称: x\n" * 3, "\ufeff企业:\n  名称: x\n", "企业:\r\n  名称: x\r\n", "企业:\r  名称: x\r",
    "企业:\n  名称: \x00\n", "企业:\n  名称: \x85x\n", "企业:\n  名称: \u2028x\n", '{"企业": {"名称": "x"}}',
    '{"企业": {"名称": "x",}}', '{"企业": {"年份": 2025e0}}', "%YAML 1.2\n---\n企业: {}\n", "%TAG ! tag:x,2000:\n---\n企业: !x {}\n",
]


@given(st.sampled_from(["core", "rules"]), st.data())
def test_text_damage_loads_or_reports(fuzz_inputs, base, data):
    fuzz_inputs["profiles"] += 1
    rule_base, engine, vocab = rule_base_and_engine(base)
    text = data.draw(profiles_for(vocab)).text
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(text)))
        match data.draw(st.sampled_from(["insert", "delete", "truncate", "nasty", "line-ends", "indent"])):
            case "insert":
                text = text[:at] + data.draw(st.text(max_size=8)) + text[at:]
            case "delete":
                text = text[:at] + text[at + data.draw(st.integers(1, 20)):]
            case "truncate":
                text = text[:at]
            case "nasty":
                text = text[:at] + data.draw(st.sampled_from(YAML_NASTIES)) + text[at:]
            case "line-ends":
                text = text.replace("\n", data.draw(st.sampled_from(["\r\n", "\r", "\n\n", "\u2028"])))
            case "indent":
                text = text.replace("\n  ", data.draw(st.sampled_from(["\n", "\n ", "\n\t", "\n   "])), 1)
    profile = load_or_report(text, rule_base)
    if profile is not None:
        answer(engine, profile)


@pytest.mark.parametrize("text", YAML_NASTIES, ids=range(len(YAML_NASTIES)))
def test_hostile_yaml_loads_or_reports(text):
    rule_base, engine, _vocab = rule_base_and_engine("core")
    profile = load_or_report(text, rule_base)
    if profile is not None:
        answer(engine, profile)
    assert not Path("/tmp/policylog_pwned").exists()


@given(st.data())
def test_profile_files_that_are_not_clean_utf8(fuzz_inputs, data):
    """Through the file loader: BOMs, UTF-16, GB18030, stray bytes."""
    fuzz_inputs["profiles"] += 1
    rule_base, engine, vocab = rule_base_and_engine("core")
    text = data.draw(profiles_for(vocab)).text
    raw = data.draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "gb18030"])) 
    raw = text.encode(raw)
    at = data.draw(st.integers(0, len(raw)))
    raw = raw[:at] + data.draw(st.binary(max_size=4)) + raw[at:]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "p.yaml"
        path.write_bytes(raw)
        try:
            profile = load_profile(path, rule_base)
        except PolicylogError as exc:
            assert_well_formed(exc.diagnostics, {str(path): raw.decode("utf-8", "replace").removeprefix("\ufeff")},
                               lines_of=yaml_lines)
            return
        answer(engine, profile)
