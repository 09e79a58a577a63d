"""Fuzzed rule files: every input compiles, or yields diagnostics with a code and a position.

Two sources of inputs: the rule bases on disk (the frozen core fixture and `rules/`) with a few
edits of the kinds people and tools make (tests/fuzz/mutations.py), and whole programs generated
from the grammar (tests/fuzz/rulegen.py), which must compile and run.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from policylog.dsl.diagnostics import PolicylogError, render_all
from policylog.dsl.loader import load_rule_base
from policylog.dsl.parser import parse_text
from policylog.dsl.printer import print_module
from policylog.engine.profiles import load_profile_text
from policylog.engine.render import dumps, render_text, result_to_json

from ..conftest import FIXTURES
from .harness import assert_well_formed, compile_rule_texts
from .mutations import CORPUS, mutated_rule_base
from .reference import Reference
from .rulegen import profiles_for, programs

CORE_PROFILE = (FIXTURES / "profiles" / "core_enterprise.yaml").read_text(encoding="utf-8")


def qualify_if_possible(outcome, profile_text: str) -> None:
    """A rule base that compiled must also answer a profile (or reject it with diagnostics)."""
    try:
        profile = load_profile_text(profile_text, outcome.rule_base, "profile.yaml")
    except PolicylogError as exc:
        assert_well_formed(exc.diagnostics, {"profile.yaml": profile_text})
        return
    result = outcome.engine.qualify(profile)
    dumps(result_to_json(result))
    render_text(result)


@given(mutated_rule_base())
def test_mutated_rule_files_compile_or_report(fuzz_inputs, case):
    files, _damaged = case
    fuzz_inputs["rules"] += 1
    outcome = compile_rule_texts(files)
    if outcome.ok:
        qualify_if_possible(outcome, CORE_PROFILE)


BYTE_DAMAGE = st.sampled_from(["random", "invalid-utf8", "utf16", "bom", "nul", "latin1", "truncate"])


@given(st.sampled_from(sorted(CORPUS)), st.data())
def test_damaged_bytes_load_or_report(fuzz_inputs, base, data):
    """Through the real loader: files on disk that are not clean UTF-8 text."""
    fuzz_inputs["rules"] += 1
    files = CORPUS[base]
    target = data.draw(st.sampled_from(sorted(files)))
    raw = files[target].encode("utf-8")
    damage = data.draw(BYTE_DAMAGE)
    at = data.draw(st.integers(0, len(raw)))
    match damage:
        case "random":
            raw = raw[:at] + data.draw(st.binary(min_size=1, max_size=16)) + raw[at:]
        case "invalid-utf8":
            raw = raw[:at] + data.draw(st.sampled_from([b"\xff", b"\xc3", b"\xe4\xb8", b"\xed\xa0\x80",
                                                        b"\xf4\x90\x80\x80", b"\xc0\xaf"])) + raw[at:]
        case "utf16":
            raw = files[target].encode("utf-16")
        case "bom":
            raw = b"\xef\xbb\xbf" + raw
        case "nul":
            raw = raw[:at] + b"\x00" + raw[at:]
        case "latin1":
            raw = files[target].encode("gb18030")
        case "truncate":
            raw = raw[:at]
    with tempfile.TemporaryDirectory() as folder:
        for name, text in files.items():
            path = Path(folder) / Path(name).name
            path.write_bytes(raw if name == target else text.encode("utf-8"))
        texts = {str(Path(folder) / Path(name).name): (raw if name == target else text.encode("utf-8"))
                 .decode("utf-8", "replace") for name, text in files.items()}
        try:
            load_rule_base(folder)
        except PolicylogError as exc:
            assert_well_formed(exc.diagnostics, texts)


# ---- generated programs ----------------------------------------------------------------------

def _loaded_values(profile) -> dict[tuple[str, str], dict]:
    return {(r.kind, r.id): r.values for r in profile.records}


@given(programs(), st.data())
def test_generated_programs_compile_and_answer_like_the_reference(fuzz_inputs, program, data):
    """A well-typed program checks, compiles, prints back to itself, and answers correctly."""
    fuzz_inputs["rules"] += 1
    outcome = compile_rule_texts(program.files)
    assert outcome.ok, "\n".join(f"{d.code} {d.message} at {d.span}" for d in outcome.diagnostics) \
        + "\n\n" + "\n".join(program.files.values())
    for file, text in program.files.items():
        module = parse_text(text, file)
        assert parse_text(print_module(module), file).items == module.items

    generated = data.draw(profiles_for(program.vocab))
    file = f"profile.{generated.format}"
    try:
        profile = load_profile_text(generated.text, outcome.rule_base, file)
    except PolicylogError as exc:
        raise AssertionError("a valid profile was refused:\n" + render_all(exc.diagnostics) + "\n\n"
                             + generated.text) from None
    expected = {(r.kind, r.id): r.values for r, _ in generated.records()}
    assert _loaded_values(profile) == expected

    result = outcome.engine.qualify(profile)
    dumps(result_to_json(result))
    render_text(result)
    got = {(a.provision, a.subject_id) for a in result.awards}
    want = Reference(outcome.rule_base, generated.records()).qualifying()
    assert got == want, f"engine {sorted(got - want)} extra, {sorted(want - got)} missing\n" + \
        "\n".join(program.files.values()) + "\n" + generated.text
    for award in result.awards:
        if award.amount is not None:
            assert award.amount.low >= 0
            assert award.amount.high is None or award.amount.low <= award.amount.high
            if award.payers:
                assert sum(m.low for _, m in award.payers) == award.amount.low


@given(programs(), st.data())
def test_generated_programs_explain_every_provision(fuzz_inputs, program, data):
    """`explain` (why, why not, the smallest change) on generated programs and profiles."""
    from policylog.engine.explain import Explainer
    from policylog.engine.explain_render import (explanation_to_json, render_explanation_markdown,
                                                 render_explanation_text)

    fuzz_inputs["rules"] += 1
    outcome = compile_rule_texts(program.files)
    assert outcome.ok
    generated = data.draw(profiles_for(program.vocab))
    profile = load_profile_text(generated.text, outcome.rule_base, f"profile.{generated.format}")
    explainer = Explainer(outcome.engine)
    session = explainer.session(profile)
    provision = data.draw(st.sampled_from(sorted(outcome.rule_base.provisions)))
    explanation = explainer.explain(profile, provision, suggest=data.draw(st.booleans()), session=session)
    depth = data.draw(st.none() | st.integers(0, 3))
    dumps(explanation_to_json(outcome.rule_base, explanation, depth))
    render_explanation_text(outcome.rule_base, explanation, depth)
    render_explanation_markdown(outcome.rule_base, explanation, depth)
