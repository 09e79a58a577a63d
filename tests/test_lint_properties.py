"""Properties of the linter on generated rule files.

1. Every witness the linter emits really satisfies the provisions it names: run it through a
   fresh evaluator of the whole rule base (not the linter's own, restricted one) and find the
   awards the finding promises.
2. A pair the solver calls disjoint never has a profile qualifying for both: random profiles,
   drawn around the thresholds the rules use, never get both awards on one project.
"""

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from policylog.dsl.loader import load_rule_base
from policylog.engine.lint import lint
from policylog.engine.lint.context import LintContext
from policylog.engine.profiles import load_profile_text
from policylog.engine.qualify import PolicyEngine

from .conftest import FIXTURES

VOCABULARY = (FIXTURES / "lint" / "vocabulary.policy").read_text(encoding="utf-8")
BOOLS = ["技改", "智能工厂", "节水", "机器换人"]
MONEY = ["投资额", "设备投资"]
AMOUNTS = [0, 100, 300, 500, 1000, 2000]  # 万元
OPS = [">=", ">", "<", "<="]

atoms = st.one_of(
    st.sampled_from(BOOLS).map(lambda b: f"项目.{b}"),
    st.sampled_from(BOOLS).map(lambda b: f"not 项目.{b}"),
    st.tuples(st.sampled_from(MONEY), st.sampled_from(OPS), st.sampled_from(AMOUNTS)).map(
        lambda t: f"项目.{t[0]} {t[1]} {t[2]}万元"),
    st.sampled_from([5, 10, 20]).map(lambda k: f"项目.台数 >= {k}"),
    st.sampled_from(["绿色工厂", "智能工厂"]).map(lambda t: f"exists 认定 (认定.类型 = {t})"),
    st.just("企业.地区 has 革命老区"),
)
conditions = st.one_of(
    atoms,
    st.tuples(atoms, atoms).map(lambda t: f"({t[0]} or {t[1]})"),
    st.tuples(st.sampled_from(AMOUNTS), st.sampled_from(AMOUNTS)).map(
        lambda t: f"项目.投资额 >= {t[0]}万元 unless 企业.地区 has 革命老区 then 项目.投资额 >= {t[1]}万元"),
)
amounts = st.one_of(
    st.sampled_from([10, 20, 50]).map(lambda k: f"amount {k}万元"),
    st.tuples(st.sampled_from(MONEY), st.sampled_from([100, 300])).map(
        lambda t: f"amount 20% * 项目.{t[0]} cap {t[1]}万元"),
)
provisions = st.tuples(st.lists(conditions, min_size=1, max_size=3), amounts)


def policy_text(drawn) -> str:
    """The first two provisions share clause g.1 (for subsumption and tier sets); a fourth goes
    to a second policy h (for conflicts across policies)."""
    clauses: dict[str, list[str]] = {}
    for number, (whens, amount) in enumerate(drawn, start=1):
        policy = "h" if number == 4 else "g"
        clause = f"{policy}.1" if number <= 2 else f"{policy}.{number}"
        provision = clause + ("ab"[number - 1] if number <= 2 else "")
        body = " ".join(f"when {w}" for w in whens)
        clauses.setdefault(clause, []).append(f"provision {provision} {{ for 项目 {body} {amount} }}")
    text = []
    for policy in ("g", "h"):
        mine = {c: p for c, p in clauses.items() if c.startswith(policy + ".")}
        if not mine:
            continue
        text.append(f"policy {policy} {{\n  default payer 自治区")
        for clause, members in mine.items():
            text.append(f'  clause {clause} {{ text "生成的条款 {clause}" ' + " ".join(members) + " }")
        text.append("}")
    return "\n".join(text) + "\n"


def load(drawn):
    with tempfile.TemporaryDirectory() as directory:
        Path(directory, "vocabulary.policy").write_text(VOCABULARY, encoding="utf-8")
        Path(directory, "generated.policy").write_text(policy_text(drawn), encoding="utf-8")
        return load_rule_base(directory)


# 25 examples in CI; a soak run (`--hypothesis-profile=long`) gets 500.
EXAMPLES = max(25, settings.default.max_examples // 10)


@settings(max_examples=EXAMPLES)
@given(st.lists(provisions, min_size=2, max_size=4))
def test_every_witness_shows_what_its_finding_says(drawn):
    rule_base = load(drawn)
    result = lint(rule_base, select=["overlap", "subsumption", "conflict", "tier-overlap", "tier-gap"])
    engine = PolicyEngine(rule_base)
    for finding in result.findings:
        witness = finding.witness
        assert witness is not None and witness.verified, finding.diagnostic.message
        awards = engine.qualify(load_profile_text(witness.profile, rule_base)).awards
        on_object = {a.provision: a for a in awards
                     if (witness.object_kind, witness.object_id) in a.subjects}
        if finding.check == "tier-gap":  # the witness falls between the tiers: none pays
            assert not set(finding.provisions) & set(on_object), witness.profile
            continue
        assert set(finding.provisions) <= set(on_object), (finding.diagnostic.message, witness.profile)
        if finding.check == "conflict":
            first, second = (on_object[p].amount for p in finding.provisions)
            assert (first.low, first.high) != (second.low, second.high), witness.profile


profiles = st.fixed_dictionaries({
    "bools": st.dictionaries(st.sampled_from(BOOLS), st.booleans()),
    "money": st.dictionaries(st.sampled_from(MONEY),
                             st.sampled_from(AMOUNTS + [99, 101, 299, 301, 499, 501, 1999, 2001])),
    "台数": st.none() | st.sampled_from([0, 5, 9, 10, 20, 25]),
    "认定": st.lists(st.sampled_from(["绿色工厂", "智能工厂", "小巨人"]), max_size=2),
    "老区": st.booleans(),
})


def profile_text(drawn) -> str:
    lines = ["企业:", "  id: 甲"]
    if drawn["老区"]:
        lines.append("  地区: [革命老区]")
    project = ["    - id: 项目1"]
    project += [f"      {name}: {'true' if value else 'false'}" for name, value in drawn["bools"].items()]
    project += [f"      {name}: {value}万元" for name, value in drawn["money"].items()]
    if drawn["台数"] is not None:
        project.append(f"      台数: {drawn['台数']}")
    lines += ["  项目:"] + project
    if drawn["认定"]:
        lines.append("  认定:")
        lines += [f"    - {{id: 认定{i}, 类型: {t}}}" for i, t in enumerate(drawn["认定"])]
    return "\n".join(lines) + "\n"


@settings(max_examples=EXAMPLES)
@given(st.lists(provisions, min_size=2, max_size=4), st.lists(profiles, min_size=5, max_size=10))
def test_disjoint_pairs_never_both_apply(drawn, samples):
    rule_base = load(drawn)
    context = LintContext(rule_base, set())
    world = context.world("项目")
    ids = list(world.instances)
    disjoint = [(a, b) for i, a in enumerate(ids) for b in ids[i + 1:]
                if not world.check(world.fires[a], world.fires[b])[0]]
    dead = [a for a in ids if not world.check(world.fires[a])[0]]
    engine = PolicyEngine(rule_base)
    for sample in samples:
        awards = engine.qualify(load_profile_text(profile_text(sample), rule_base)).awards
        paid = {a.provision for a in awards if ("项目", "项目1") in a.subjects}
        for a, b in disjoint:
            assert not {a, b} <= paid, (a, b, profile_text(sample), policy_text(drawn))
        for a in dead:  # unsatisfiable: no profile at all makes it fire
            assert a not in paid, (a, profile_text(sample), policy_text(drawn))


def test_disjoint_pairs_of_the_bundled_rules_on_the_example_profiles(core_rules):
    """The frozen core rules: a solver-disjoint pair never fires together on a shipped profile."""
    context = LintContext(core_rules, set())
    engine = PolicyEngine(core_rules)
    shipped = sorted((FIXTURES / "profiles").glob("*.yaml"))
    for kind in {info.subject for info in core_rules.provisions.values()}:
        world = context.world(kind)
        ids = list(world.instances)
        disjoint = [(a, b) for i, a in enumerate(ids) for b in ids[i + 1:]
                    if not world.check(world.fires[a], world.fires[b])[0]]
        for path in shipped:
            try:
                profile = load_profile_text(path.read_text(encoding="utf-8"), core_rules)
            except Exception:  # noqa: BLE001 - a profile for another vocabulary
                continue
            awards = engine.qualify(profile).awards
            for a, b in disjoint:
                objects_a = {a_.subjects for a_ in awards if a_.provision == a}
                objects_b = {b_.subjects for b_ in awards if b_.provision == b}
                assert not objects_a & objects_b, (a, b, path)
