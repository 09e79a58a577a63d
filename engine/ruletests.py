"""Rule tests: YAML cases kept beside the rules, run through the engine, with coverage.

A test file (`rules/tests/*.yaml`) is a list of cases; docs/rule-tests.md describes the format:

    - name: 节水 exactly 5万吨 qualifies (以上含)
      profile:
        企业:
          id: 甲
          项目:
            - {id: 节水, 节水技术改造项目: true, 年节水量: 5万吨, 投资额: 200万元}
      expect:
        - {provision: nmg2026.1.3, subject: 节水, amount: 50万元}
      reject: [nmg2026.1.1]

Loading reports every problem of every file at once, with the file and line of the case, and
reads an inline profile in place, so a fact in a trace points at its line in the test file.
Running a case qualifies its profile, compares each expectation with the awards, and, for a
provision that did not fire, asks `CheckEvaluator` which checks failed for which subject.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import yaml

from ..dsl.checker import RuleBase, did_you_mean
from ..dsl.diagnostics import Diagnostic, PolicylogError, Severity, SourceCache, Span, error
from ..dsl.printer import print_expr
from .amounts import MONEY_DIMS, Money
from .coverage import DECIDING_ROLES, CheckEvaluator, SubjectOutcome
from .ir import Atom, Check
from .profiles import Fact, Profile, ProfileLoader, compose_yaml, load_profile, parse_quantity_text
from .qualify import Award, FactUse, PolicyEngine

TEST_SUFFIXES = (".yaml", ".yml")
CASE_KEYS = ("name", "profile", "profile_file", "expect", "reject")
EXPECT_KEYS = ("provision", "subject", "amount", "informational", "excluded_by")
REJECT_KEYS = ("provision", "subject")


# ---- the format --------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ExpectedAward:
    """The provision must be granted (to `subject`, when given), with this amount if stated."""

    provision: str
    subject: str | None
    amount: Money | None  # None: any amount
    informational: bool
    excluded_by: str | None  # granted, but not paid: a not-cumulative partner wins
    span: Span


@dataclass(frozen=True, slots=True)
class Rejection:
    """The provision must not be granted (to `subject`, when given; else to any record)."""

    provision: str
    subject: str | None
    span: Span


@dataclass(frozen=True, slots=True)
class RuleTest:
    name: str
    span: Span  # the case's first line
    profile: Profile
    expect: tuple[ExpectedAward, ...]
    reject: tuple[Rejection, ...]


def rule_test_files(rules: Path) -> list[Path]:
    """The test files of a rule directory (or of the directory a rule file is in)."""
    directory = (rules if rules.is_dir() else rules.parent) / "tests"
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.suffix in TEST_SUFFIXES and p.is_file())


def load_rule_tests(files: list[Path], rule_base: RuleBase,
                    sources: SourceCache | None = None) -> list[RuleTest]:
    """Every case of every file; raises PolicylogError with all problems found in all files."""
    sources = sources if sources is not None else SourceCache()
    tests: list[RuleTest] = []
    diagnostics: list[Diagnostic] = []
    for path in files:
        reader = _TestFileReader(rule_base, path, sources)
        tests.extend(reader.read())
        diagnostics.extend(reader.diagnostics)
    if diagnostics:
        raise PolicylogError(diagnostics)
    return tests


class _TestFileReader:
    def __init__(self, rule_base: RuleBase, path: Path, sources: SourceCache):
        self.rule_base = rule_base
        self.path = path
        self.file = str(path)
        self.sources = sources
        self.diagnostics: list[Diagnostic] = []

    def span(self, node) -> Span:
        start, end = node.start_mark, node.end_mark
        if end.line != start.line:  # a block: point at its first line
            return Span(self.file, start.line + 1, start.column + 1, start.line + 1, start.column + 2)
        return Span(self.file, start.line + 1, start.column + 1, end.line + 1, end.column + 1)

    def err(self, code: str, name: str, message: str, node, help: str | None = None) -> None:
        self.diagnostics.append(error(code, name, message, self.span(node), help=help))

    def read(self) -> list[RuleTest]:
        try:
            text = self.path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            self.diagnostics.append(error("E606", "unreadable-test", f"cannot read rule test "
                                          f"`{self.file}`: {exc}", Span.point(self.file, 1, 1)))
            return []
        self.sources.add(self.file, text)
        try:
            root = compose_yaml(text, self.file)
        except PolicylogError as exc:
            self.diagnostics.extend(_as_test_syntax(d) for d in exc.diagnostics)
            return []
        if root is None:
            return []  # an empty file holds no case
        if not isinstance(root, yaml.SequenceNode):
            self.err("E602", "bad-test-shape", "a rule test file is a list of cases", root,
                     "start each case with `- name: …`")
            return []
        tests, names = [], {}
        for node in root.value:
            test = self.read_case(node)
            if test is None:
                continue
            if test.name in names:
                self.diagnostics.append(Diagnostic(
                    "E605", "duplicate-case", Severity.ERROR, f"two cases are named "
                    f"`{test.name}`", test.span, related=((f"first `{test.name}`", names[test.name]),),
                    help="give every case of a file its own name"))
                continue
            names[test.name] = test.span
            tests.append(test)
        return tests

    def mapping(self, node, keys: tuple[str, ...], what: str) -> dict | None:
        """A mapping node's entries by key (value nodes); unknown keys are reported."""
        if not isinstance(node, yaml.MappingNode):
            self.err("E602", "bad-test-shape", f"{what} is a mapping", node,
                     f"its keys: {', '.join(keys)}")
            return None
        entries = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node)
            if key not in keys:
                self.err("E602", "bad-test-shape", f"{what} has no key `{key}`", key_node,
                         did_you_mean(key or "", keys) or f"its keys: {', '.join(keys)}")
            elif key in entries:
                self.err("E602", "bad-test-shape", f"`{key}` is given twice", key_node)
            else:
                entries[key] = value_node
        return entries

    def read_case(self, node) -> RuleTest | None:
        before = len(self.diagnostics)
        entries = self.mapping(node, CASE_KEYS, "a case")
        if entries is None:
            return None
        name = _scalar(entries["name"]) if "name" in entries else None
        if not name or not name.strip():
            self.err("E602", "bad-test-shape", "a case needs a `name`", entries.get("name", node))
            name = None
        profile = self.read_profile(node, entries)
        expect = tuple(e for e in (self.read_expectation(n) for n in self.items(entries, "expect"))
                       if e is not None)
        reject = tuple(r for r in (self.read_rejection(n) for n in self.items(entries, "reject"))
                       if r is not None)
        if not expect and not reject and len(self.diagnostics) == before:
            self.err("E602", "bad-test-shape", f"case `{name}` asserts nothing", node,
                     "add `expect:` (provisions granted) or `reject:` (provisions not granted)")
        if len(self.diagnostics) != before or profile is None or name is None:
            return None
        return RuleTest(name.strip(), self.span(node), profile, expect, reject)

    def items(self, entries: dict, key: str) -> list:
        node = entries.get(key)
        if node is None or (isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null")):
            return []
        if not isinstance(node, yaml.SequenceNode):
            self.err("E602", "bad-test-shape", f"`{key}` is a list", node,
                     f"write one `- …` item per provision under `{key}:`")
            return []
        return node.value

    def read_profile(self, case_node, entries: dict) -> Profile | None:
        if ("profile" in entries) == ("profile_file" in entries):
            self.err("E602", "bad-test-shape", "a case needs either `profile` or `profile_file`",
                     case_node, "inline the profile under `profile:`, or name a file beside the test")
            return None
        try:
            if "profile" in entries:
                return ProfileLoader(self.rule_base, self.file, self.sources).load_node(entries["profile"])
            name = _scalar(entries["profile_file"]) or ""
            return load_profile(self.path.parent / name, self.rule_base, self.sources)
        except PolicylogError as exc:
            self.diagnostics.extend(exc.diagnostics)
            return None

    def provision(self, node, key: str = "provision") -> str | None:
        provision = _scalar(node)
        if provision not in self.rule_base.provisions:
            self.err("E603", "unknown-provision", f"no provision `{provision}` in the rule base",
                     node, did_you_mean(provision or "", self.rule_base.provisions))
            return None
        return provision

    def entry(self, node, keys: tuple[str, ...], what: str) -> dict | None:
        """A bare provision id, or a mapping with a `provision` key."""
        if isinstance(node, yaml.ScalarNode):
            return {"provision": node}
        entries = self.mapping(node, keys, what)
        if entries is not None and "provision" not in entries:
            self.err("E602", "bad-test-shape", f"{what} names no `provision`", node)
            return None
        return entries

    def read_expectation(self, node) -> ExpectedAward | None:
        entries = self.entry(node, EXPECT_KEYS, "an `expect` item")
        if entries is None:
            return None
        provision = self.provision(entries["provision"])
        informational = "informational" in entries and _is_true(entries["informational"])
        if "informational" in entries and not informational and not _is_false(entries["informational"]):
            self.err("E602", "bad-test-shape", "`informational` is true or false",
                     entries["informational"])
        if informational and "amount" in entries:
            self.err("E602", "bad-test-shape", "an informational award has no `amount`",
                     entries["amount"], "drop `amount`, or `informational`")
        amount = self.read_amount(entries["amount"]) if "amount" in entries else None
        excluded_by = self.provision(entries["excluded_by"]) if "excluded_by" in entries else None
        if provision is None:
            return None
        if informational and \
                self.rule_base.provisions[provision].provision.amount is not None:
            self.err("E602", "bad-test-shape", f"`{provision}` computes an amount; it is not "
                     "informational", entries["informational"], "state its `amount` instead")
        return ExpectedAward(provision, _subject(entries), amount, informational, excluded_by,
                             self.span(node))

    def read_rejection(self, node) -> Rejection | None:
        entries = self.entry(node, REJECT_KEYS, "a `reject` item")
        if entries is None:
            return None
        provision = self.provision(entries["provision"])
        return Rejection(provision, _subject(entries), self.span(node)) if provision else None

    def read_amount(self, node) -> Money | None:
        """`50万元` (exact), or `[0元, 300万元]` (a range; `null` as the upper end: unbounded)."""
        if isinstance(node, yaml.SequenceNode):
            if len(node.value) != 2:
                self.err("E604", "bad-amount", "a range is two amounts: `[low, high]`", node)
                return None
            low = self.money(node.value[0])
            high_node = node.value[1]
            high = None if _is_null(high_node) else self.money(high_node)
            if low is None or (high is None and not _is_null(high_node)):
                return None
            if high is not None and high < low:
                self.err("E604", "bad-amount", "the low end of the range is above the high end", node)
                return None
            return Money(low, high)
        value = self.money(node)
        return None if value is None else Money(value, value)

    def money(self, node) -> Decimal | None:
        text = _scalar(node)
        parsed = parse_quantity_text(text) if text is not None else None
        info = self.rule_base.units.resolve(parsed[1]) if parsed and parsed[1] else None
        if parsed is None or info is None or info.dims != MONEY_DIMS:
            self.err("E604", "bad-amount", f"`{text}` is not an amount of money", node,
                     "write it with its unit, e.g. `50万元` or `1,000元`")
            return None
        return self.rule_base.units.to_base(parsed[0], parsed[1])


def _scalar(node) -> str | None:
    return str(node.value) if isinstance(node, yaml.ScalarNode) else None


def _is_null(node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null")


def _is_true(node) -> bool:
    return isinstance(node, yaml.ScalarNode) and str(node.value).lower() in ("true", "yes", "是")


def _is_false(node) -> bool:
    return isinstance(node, yaml.ScalarNode) and str(node.value).lower() in ("false", "no", "否")


def _subject(entries: dict) -> str | None:
    node = entries.get("subject")
    return None if node is None or _is_null(node) else (_scalar(node) or "").strip() or None


def _as_test_syntax(diagnostic: Diagnostic) -> Diagnostic:
    if diagnostic.code != "E300":
        return diagnostic
    return error("E601", "test-syntax", diagnostic.message.replace("YAML or JSON", "YAML"),
                 diagnostic.span, help=diagnostic.help)


# ---- running ---------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class FailedCheck:
    """A check that did not hold for a subject, with the profile's facts it looked at."""

    condition: str
    role: str
    label: str | None
    span: Span | None
    facts: tuple[FactUse, ...]


@dataclass(frozen=True, slots=True)
class WhyNot:
    """Why a provision did not fire for one subject: per alternative, the checks that failed."""

    subject: tuple[tuple[str, str], ...]
    alternatives: tuple[tuple[FailedCheck, ...], ...]


@dataclass(frozen=True, slots=True)
class Failure:
    span: Span  # the `expect` or `reject` item (or the case) that failed
    message: str
    awards: tuple[Award, ...] = ()  # the award(s) that made it fail: their derivation is shown
    why_not: tuple[WhyNot, ...] = ()


@dataclass(frozen=True, slots=True)
class CaseResult:
    test: RuleTest
    failures: tuple[Failure, ...]

    @property
    def passed(self) -> bool:
        return not self.failures


@dataclass(frozen=True, slots=True)
class ConditionRef:
    """A drafter's condition of a provision, as coverage reports it."""

    provision: str
    condition: str
    role: str
    label: str | None
    span: Span | None


@dataclass
class Coverage:
    """What the cases exercised: provisions made to fire, rejected, conditions made to decide.

    A provision *fired* in a case that expects it and got it; it was *rejected* in a case that
    rejects it and did not get it. A condition was *made to fail* when, in a rejecting case, it
    was the only check of some alternative that did not hold — the boundary a test pins down.
    """

    provisions: tuple[str, ...]  # every provision, in rule-base order
    executable: frozenset[str]
    fired: set[str] = field(default_factory=set)
    rejected: set[str] = field(default_factory=set)
    conditions: dict[tuple[str, Check], ConditionRef] = field(default_factory=dict)
    failed_conditions: set[tuple[str, Check]] = field(default_factory=set)

    @property
    def never_fired(self) -> list[str]:
        return [p for p in self.provisions if p in self.executable and p not in self.fired]

    @property
    def never_rejected(self) -> list[str]:
        return [p for p in self.provisions if p not in self.rejected]

    @property
    def conditions_never_failed(self) -> list[ConditionRef]:
        """In rule-base order, then source order within a provision."""
        order = {p: i for i, p in enumerate(self.provisions)}
        gaps = [ref for key, ref in self.conditions.items() if key not in self.failed_conditions]
        return sorted(gaps, key=lambda ref: (order[ref.provision],
                                             (ref.span.line, ref.span.column) if ref.span else (0, 0)))

    @property
    def incomplete(self) -> list[str]:
        """Executable provisions without both a qualifying and a non-qualifying case."""
        return [p for p in self.provisions if p in self.executable
                and (p not in self.fired or p not in self.rejected)]


@dataclass
class RuleTestRun:
    results: list[CaseResult]
    coverage: Coverage

    @property
    def failed(self) -> list[CaseResult]:
        return [r for r in self.results if not r.passed]

    @property
    def ok(self) -> bool:
        return not self.failed and not self.coverage.incomplete


class RuleTestRunner:
    """One compiled rule base, run against many cases."""

    def __init__(self, rule_base: RuleBase):
        self.rule_base = rule_base
        self.engine = PolicyEngine(rule_base)
        self.checks = CheckEvaluator(self.engine.program, set(rule_base.kinds))
        provisions = tuple(c.provision for c in self.engine.program.provisions)
        self.coverage = Coverage(provisions, frozenset(
            p for p in provisions if rule_base.provisions[p].provision.amount is not None))
        for compiled in self.engine.program.provisions:
            for alt in compiled.alternatives:
                for check in alt.checks:
                    if check.role in DECIDING_ROLES:
                        self.coverage.conditions.setdefault(
                            (compiled.provision, check), _condition_ref(compiled.provision, check))

    def run(self, tests: list[RuleTest]) -> RuleTestRun:
        return RuleTestRun([self.run_case(test) for test in tests], self.coverage)

    def run_case(self, test: RuleTest) -> CaseResult:
        awards = self.engine.qualify(test.profile).awards
        outcomes = self.checks.evaluate(test.profile, [r.provision for r in test.reject] +
                                        [e.provision for e in test.expect])
        failures: list[Failure] = []
        for expected in test.expect:
            failures.extend(self.compare(test, expected, awards, outcomes[expected.provision]))
        for rejection in test.reject:
            failures.extend(self.refute(test, rejection, awards, outcomes[rejection.provision]))
        return CaseResult(test, tuple(failures))

    def _subject_problem(self, test: RuleTest, item: ExpectedAward | Rejection) -> Failure | None:
        """A `subject` the profile has no record of: the item could never fail, or never pass."""
        provision, subject = item.provision, item.subject
        kind = self.rule_base.provisions[provision].subject
        if subject is not None and test.profile.record(kind, subject) is None:
            known = [r.id for r in test.profile.records if r.kind == kind]
            hint = did_you_mean(subject, known)
            return Failure(item.span, f"no `{kind}` record `{subject}` in the profile, so `{provision}` "
                                 f"cannot be checked for it" + (f"; {hint}" if hint else ""))
        return None

    def compare(self, test: RuleTest, expected: ExpectedAward, awards: list[Award],
                outcomes: list[SubjectOutcome]) -> list[Failure]:
        problem = self._subject_problem(test, expected)
        if problem is not None:
            return [problem]
        granted = _awards_for(expected, awards)
        target = _describe(self.rule_base, expected.provision, expected.subject)
        if not granted:
            kind = self.rule_base.provisions[expected.provision].subject
            none = "" if outcomes else f"; the profile has no `{kind}` record"
            return [Failure(expected.span, f"expected `{expected.provision}` for {target}: "
                                           f"not granted{none}",
                            why_not=self.why_not(test.profile, outcomes, expected.subject))]
        self.coverage.fired.add(expected.provision)
        if len(granted) > 1:
            return [Failure(expected.span, f"`{expected.provision}` is granted {len(granted)} "
                            f"times ({', '.join(a.subject_id for a in granted)}); name the "
                            "`subject` the expectation is about", tuple(granted))]
        award = granted[0]
        where = f"`{expected.provision}` for {_describe_award(award)}"
        if expected.informational and award.amount is not None:
            return [Failure(expected.span, f"{where}: expected informational, got {award.amount}",
                            (award,))]
        if expected.amount is not None and award.amount is None:
            return [Failure(expected.span, f"{where}: expected {expected.amount}, got an "
                                           "informational award", (award,))]
        if expected.amount is not None and award.amount != expected.amount:
            return [Failure(expected.span, f"{where}: expected {expected.amount}, got "
                                           f"{award.amount}", (award,))]
        if award.excluded_by != expected.excluded_by:
            if expected.excluded_by is None:
                message = f"{where}: granted but not paid ({award.excluded_by} is paid instead)"
            elif award.excluded_by is None:
                message = f"{where}: expected not paid because of `{expected.excluded_by}`, but it is paid"
            else:
                message = (f"{where}: expected not paid because of `{expected.excluded_by}`, but "
                           f"`{award.excluded_by}` is paid instead")
            return [Failure(expected.span, message, (award,))]
        return []

    def refute(self, test: RuleTest, rejection: Rejection, awards: list[Award],
               outcomes: list[SubjectOutcome]) -> list[Failure]:
        problem = self._subject_problem(test, rejection)
        if problem is not None:
            return [problem]
        granted = _awards_for(rejection, awards)
        if granted:
            return [Failure(rejection.span, f"`{rejection.provision}` must not be granted for "
                            f"{', '.join(_describe_award(a) for a in granted)}, but it is",
                            tuple(granted))]
        self.coverage.rejected.add(rejection.provision)
        for outcome in outcomes:
            if rejection.subject is None or outcome.subject_id == rejection.subject:
                for check in outcome.deciding_failures():
                    self.coverage.failed_conditions.add((rejection.provision, check))
        return []

    def why_not(self, profile: Profile, outcomes: list[SubjectOutcome],
                subject: str | None) -> tuple[WhyNot, ...]:
        facts: dict[tuple[str, str], list[Fact]] = defaultdict(list)
        for fact in profile.facts:
            if fact.args:
                facts[(fact.predicate, str(fact.args[0]))].append(fact)
        return tuple(
            WhyNot(outcome.subject, tuple(
                tuple(self.failed_check(outcome, o.check, facts) for o in outcome.failing(index))
                for index in range(len(outcome.alternatives))))
            for outcome in outcomes if subject is None or outcome.subject_id == subject)

    def failed_check(self, outcome: SubjectOutcome, check: Check,
                     facts: dict[tuple[str, str], list[Fact]]) -> FailedCheck:
        ref = _condition_ref(outcome.provision, check)
        uses = () if check.negated else self.facts_for(outcome, check, facts)
        return FailedCheck(ref.condition, ref.role, ref.label, ref.span, uses)

    def facts_for(self, outcome: SubjectOutcome, check: Check,
                  facts: dict[tuple[str, str], list[Fact]]) -> tuple[FactUse, ...]:
        """What the profile says about the attributes a check reads, for the subject's records.

        Attributes of an `exists` record are not listed: which record was meant is unknown.
        """
        scope = self.engine.program.provision(outcome.provision).scope
        record_of = {var: record_id for (_, var), (_, record_id) in zip(scope, outcome.subject)}
        uses: list[FactUse] = []
        for literal in check.literals:
            if not isinstance(literal, Atom) or "@" not in literal.predicate:
                continue
            record = record_of.get(getattr(literal.args[0], "name", None))
            if record is None:
                continue
            kind, attribute = literal.predicate.split("@", 1)
            found = facts.get((literal.predicate, record), [])
            for fact in found:
                year = f"[{fact.args[1]}]" if len(fact.args) == 3 else ""
                uses.append(FactUse(f"{kind}.{attribute}{year}", fact.text, fact.span, record))
            if not found:
                uses.append(FactUse(f"{kind}.{attribute}", "not given", None, record))
        return tuple(dict.fromkeys(uses))


def _awards_for(item: ExpectedAward | Rejection, awards: list[Award]) -> list[Award]:
    return [a for a in awards if a.provision == item.provision
            and (item.subject is None or a.subject_id == item.subject)]


def _condition_ref(provision: str, check: Check) -> ConditionRef:
    condition = print_expr(check.condition) if check.condition is not None else check.description
    return ConditionRef(provision, condition, check.role, check.label,
                        check.condition.span if check.condition is not None else None)


def _describe(rule_base: RuleBase, provision: str, subject: str | None) -> str:
    kind = rule_base.provisions[provision].subject
    return f"{kind} `{subject}`" if subject is not None else f"any `{kind}`"


def _describe_award(award: Award) -> str:
    return f"{award.subject_kind} `{award.subject_id}`"
