"""What every check shares: the compiled program, one z3 world per subject kind, the evaluator
that verifies witnesses, and the index of the drafters' acknowledgements.

Everything is built lazily and once: a run that selects only `unused-attribute` never starts z3,
and the 项目 world (every provision paid per project, each behind a guard literal) serves every
pair of project provisions with push-free `check(assumptions)` calls.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from time import perf_counter
from typing import Callable

import z3

from ...dsl import ast
from ...dsl.checker import ProvisionInfo, RuleBase
from ...dsl.diagnostics import Diagnostic, PolicylogError
from ..compiler import compile_rule_base
from ..ir import Program
from .encoding import Encoder, EncodingError, Instance, MoneyTerms, Scenario
from .findings import Acknowledgement
from .witness import Expectation, Verifier, Witness, full_profile, minimal_profile

# z3 cores are not minimal by default; a minimal one names only the conditions that clash.
z3.set_param("smt.core.minimize", True)


class World:
    """All provisions paid per one subject kind, instantiated on one shared record chain."""

    def __init__(self, context: "LintContext", kind: str):
        self.context = context
        self.kind = kind
        self.scenario: Scenario = context.encoder.scenario(kind)
        self.scope = self.scenario.chain(kind)
        self.instances: dict[str, Instance] = {}
        self.opaque: dict[str, str] = {}
        for provision_id, info in context.rule_base.provisions.items():
            if info.subject != kind or provision_id not in context.compiled_ids:
                continue
            try:
                self.instances[provision_id] = self.scenario.instantiate(provision_id, self.scope)
            except EncodingError as exc:
                self.opaque[provision_id] = str(exc)
        self.opaque.update(self.scenario.freeze())
        for provision_id in self.opaque:
            self.instances.pop(provision_id, None)
        self.solver = z3.Solver()
        self._synced = 0
        self.fires: dict[str, z3.BoolRef] = {}
        self.fails: dict[str, z3.BoolRef] = {}
        for provision_id, instance in self.instances.items():
            self.fires[provision_id] = z3.Bool(f"fires|{kind}|{provision_id}")
            self.fails[provision_id] = z3.Bool(f"fails|{kind}|{provision_id}")
            self.solver.add(z3.Implies(self.fires[provision_id], instance.positive))
            self.solver.add(z3.Implies(self.fails[provision_id], self.scenario.negative(instance)))
        self._amounts: dict[str, MoneyTerms | None] = {}

    def _sync(self) -> None:
        background = self.scenario.background
        if self._synced < len(background):
            self.solver.add(*background[self._synced:])
            self._synced = len(background)

    def amount(self, provision_id: str) -> MoneyTerms | None:
        """The award on this world's record, after the provision's caps and every `total cap`
        that names it (alone in a witness, an award is cut to the cap's limit)."""
        if provision_id not in self._amounts:
            instance = self.instances[provision_id]
            try:
                money = self.scenario.amount(instance)
                info = self.context.rule_base.provisions[provision_id]
                for clause in info.policy.clauses:
                    for cap in clause.total_caps:
                        if provision_id in cap.provisions and money is not None:
                            money = money.clamp(self.scenario.money(cap.limit, instance.scope))
                self._amounts[provision_id] = money
            except EncodingError:
                self._amounts[provision_id] = None
        return self._amounts[provision_id]

    def check(self, *assumptions: z3.BoolRef, extra: z3.BoolRef | None = None
              ) -> tuple[bool, Callable[[], z3.ModelRef] | None]:
        """Satisfiable under the guard literals (and `extra`)? If so, also a function that
        returns a tidy model (round numbers, the policy year): it costs a few more solver
        calls, so it runs only for the models that become witnesses."""
        self._sync()
        self.context.stats["solver_checks"] += 1
        if extra is not None:
            self.solver.push()
            self.solver.add(extra)
        try:
            result = self.solver.check(*assumptions)
            if result == z3.unknown:
                raise EncodingError(f"z3 gave up: {self.solver.reason_unknown()}")
            if result == z3.unsat:
                return False, None
        finally:
            if extra is not None:
                self.solver.pop()

        def model(instances: list[Instance] = ()) -> z3.ModelRef:
            if extra is not None:
                self.solver.push()
                self.solver.add(extra)
            try:
                tidy = self._tidy(list(assumptions), instances)
                if tidy is not None:
                    return tidy
                if self.solver.check(*assumptions) != z3.sat:  # pragma: no cover - was sat
                    raise EncodingError("the solver changed its mind")
                return self.solver.model()
            finally:
                if extra is not None:
                    self.solver.pop()

        return True, model

    def _tidy(self, assumptions: list[z3.BoolRef], instances: list[Instance]) -> z3.ModelRef | None:
        """A model with round numbers and the policy year, where the constraints allow.

        Wishes sit behind fresh guard literals in a pushed scope; when they clash with the
        constraints, the unsat core names the ones to give up, the most demanding first.
        """
        wishes = self.wishes(instances)
        if not wishes:
            return None
        self.solver.push()
        try:
            guards = []
            for number, (rank, wish) in enumerate(wishes):
                guard = z3.Bool(f"wish|{self.kind}|{number}")
                self.solver.add(z3.Implies(guard, wish))
                guards.append((rank, guard))
            active = list(guards)
            for _ in range(len(guards) + 1):
                result = self.solver.check(*assumptions, *[g for _, g in active])
                if result == z3.sat:
                    return self.solver.model()
                if result != z3.unsat:
                    break
                core = {str(c) for c in self.solver.unsat_core()}
                clashing = [(rank, g) for rank, g in active if str(g) in core]
                if not clashing:
                    break
                active.remove(min(clashing, key=lambda item: item[0]))
            return None
        finally:
            self.solver.pop()

    def wishes(self, instances: list[Instance]) -> list[tuple[int, z3.BoolRef]]:
        """(rank, wish), the lowest rank given up first: awards above 0元 (rank 3), years in
        the policy year (rank 2), figures in whole 元 or 吨 (rank 1) and in whole 万元 or 万吨
        (rank 0), for the facts the instances read."""
        year = self.context.preferred_year
        slots = {s.index for i in instances for s in list(i.scope.values()) + i.own_slots}
        read = set()
        for instance in instances:
            read |= self.context.attributes_read(instance.provision)
        wishes = []
        for instance in instances:  # a witness that pays 0元 shows little: ask for real money
            money = self.amount(instance.provision) if instance.provision in self.instances else None
            if money is not None:
                wishes.append((3, money.low > 0 if money.high is None else money.high > 0))
        for slot, name, _year_term, _present, value in self.scenario.fact_terms():
            if slot.index not in slots or (slot.kind, name) not in read:
                continue
            attribute = self.context.rule_base.attributes[(slot.kind, name)]
            if attribute.type.base == "year" and year is not None:
                wishes.append((2, value == year))
            if attribute.type.base == "number" and z3.is_real(value):
                unit = self.context.rule_base.units.resolve(attribute.declared_unit) \
                    if attribute.declared_unit else None
                if unit is not None and unit.scale > 1:
                    wishes.append((0, z3.IsInt(value / int(unit.scale))))
                wishes.append((1, z3.IsInt(value)))
        return wishes


@dataclass
class LintContext:
    rule_base: RuleBase
    enabled: set[str]  # names of the checks that run
    verify: bool = True
    program: Program | None = None
    compile_diagnostics: tuple[Diagnostic, ...] = ()
    stats: dict = field(default_factory=lambda: {"solver_checks": 0, "pairs": 0,
                                                 "witnesses": 0, "verified": 0})
    _encoder: Encoder | None = None
    _worlds: dict[str, World] = field(default_factory=dict)
    _verifier: Verifier | None = None
    _cache: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.program is None:
            try:
                self.program = compile_rule_base(self.rule_base)
            except PolicylogError as exc:
                self.compile_diagnostics = exc.diagnostics
                self.program = None
        self.compiled_ids = {p.provision for p in self.program.provisions} if self.program else set()
        self.acknowledgements = Acknowledgements(self.rule_base)
        years = [p.year for p in self.rule_base.policies.values() if p.year is not None]
        self.preferred_year = max(years) if years else None
        from ..amounts import MONEY_DIMS

        self.money_dims = MONEY_DIMS

    # -- shared, built on first use
    @property
    def encoder(self) -> Encoder:
        if self._encoder is None:
            if self.program is None:
                raise EncodingError("the rule base did not compile")
            self._encoder = Encoder(self.rule_base, self.program)
        return self._encoder

    def world(self, kind: str) -> World:
        if kind not in self._worlds:
            started = perf_counter()
            self._worlds[kind] = World(self, kind)
            self.stats.setdefault("world_seconds", 0.0)
            self.stats["world_seconds"] += perf_counter() - started
        return self._worlds[kind]

    def world_of(self, provision_id: str) -> World | None:
        info = self.rule_base.provisions.get(provision_id)
        if info is None or not self.program or provision_id not in self.compiled_ids:
            return None
        world = self.world(info.subject)
        return world if provision_id in world.instances else None

    @property
    def verifier(self) -> Verifier:
        if self._verifier is None:
            self._verifier = Verifier(self.rule_base)
        return self._verifier

    def memo(self, key, compute):
        """One result per key for the whole run: pair analyses are shared between checks."""
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def info(self, provision_id: str) -> ProvisionInfo:
        return self.rule_base.provisions[provision_id]

    # -- witnesses
    def witness(self, world: World, model: z3.ModelRef, positive: list[Instance],
                expectation: Expectation, header: list[str], *, involved: list[Instance] = (),
                facts=None, overrides=None) -> Witness:
        """Build the profile, run it through the evaluator, and keep the verdict."""
        self.stats["witnesses"] += 1
        instances = list(positive) + [i for i in involved if i not in positive]
        policies = tuple(sorted({self.info(i.provision).policy.id for i in instances}))
        subject = instances[0].subject
        header = header + ["Check it: policylog qualify THIS_FILE"]
        text, summary = minimal_profile(world.scenario, model, positive, header, facts, overrides,
                                        [i.subject for i in instances])
        if not self.verify:
            return Witness(text, subject.kind, subject.record_id, False, (), summary)
        provisions = self.evaluated_provisions(world.kind, policies)
        self.verifier.attributes_for(provisions, self.attributes_read)
        ok, evidence = expectation(self.verifier.qualify(text, provisions))
        if not ok:
            attributes = set()
            for instance in instances:
                attributes |= self.attributes_read(instance.provision)
            fuller, fuller_summary = full_profile(world.scenario, model, instances, header, attributes)
            ok_full, evidence_full = expectation(self.verifier.qualify(fuller, provisions))
            if ok_full:
                text, summary, ok, evidence = fuller, fuller_summary, ok_full, evidence_full
        if ok:
            self.stats["verified"] += 1
        return Witness(text, subject.kind, subject.record_id, ok, tuple(evidence), summary)

    def evaluated_provisions(self, kind: str, policies: tuple[str, ...]) -> tuple[str, ...]:
        """The provisions a witness is evaluated against: those paid per `kind` in `policies`.

        Provisions are compiled independently, so leaving the others out changes no firing; it
        spares the evaluator the other ~60 queries per witness.
        """
        return tuple(p for p, info in self.rule_base.provisions.items()
                     if info.subject == kind and info.policy.id in policies)

    def attributes_read(self, provision_id: str) -> set[tuple[str, str]]:
        def compute():
            found = set()
            for rule in self.program.rules:
                if rule.provision != provision_id:
                    continue
                for literal in rule.body:
                    atom = getattr(literal, "atom", literal)
                    predicate = getattr(atom, "predicate", "")
                    if "@" in predicate and not predicate.startswith(("fire@", "neg@")):
                        found.add(tuple(predicate.split("@", 1)))
            return found
        return self.memo(("attributes", provision_id), compute)


# ---- acknowledgements -------------------------------------------------------------------------

def _ids(ids) -> str:
    return ", ".join(ids)


def _quoted(text: str | None) -> str:
    return f' "{text}"' if text else ""


@dataclass
class _Allow:
    policy: ast.Policy
    allow: ast.Allow
    used: bool = False


class Acknowledgements:
    """The drafters' rulings: stacking groups, supersessions and `allow` lines."""

    PAIR_STACKING_CHECKS = {"overlap", "subsumption", "conflict", "tier-overlap"}

    def __init__(self, rule_base: RuleBase):
        self.rule_base = rule_base
        self.groups = [(policy, group) for policy in rule_base.policies.values()
                       for group in policy.not_cumulative]
        self.allows = [_Allow(policy, allow) for policy in rule_base.policies.values()
                       for allow in policy.allows]

    def find(self, check: str, code: str, provisions: tuple[str, ...]) -> Acknowledgement | None:
        if len(provisions) == 2 and check in self.PAIR_STACKING_CHECKS:
            first, second = provisions
            for policy, group in self.groups:
                if first in group.provisions and second in group.provisions:
                    return Acknowledgement(
                        "not-cumulative", f"not cumulative {_ids(group.provisions)}{_quoted(group.reason)}",
                        group.reason, group.span)
            if check == "conflict":
                found = self.superseding(first, second) or self.superseding(second, first)
                if found is not None:
                    return found
        for entry in self.allows:
            allow = entry.allow
            if allow.check not in (check, code):
                continue
            if provisions and all(p in allow.provisions for p in provisions):
                entry.used = True
                return Acknowledgement("allow", f"allow {allow.check} {_ids(allow.provisions)}"
                                       f"{_quoted(allow.reason)}", allow.reason, allow.span)
        return None

    def superseded_targets(self, provision_id: str) -> list[tuple[str, object]]:
        """(target id, the node that declares it) for every `supersedes` above this provision."""
        info = self.rule_base.provisions[provision_id]
        return [(target, node) for node in (info.provision, info.clause, info.policy)
                for target in node.supersedes]

    def supersedes(self, newer: str, older: str) -> bool:
        return self.superseding(newer, older) is not None

    def superseding(self, newer: str, older: str) -> Acknowledgement | None:
        if newer not in self.rule_base.provisions or older not in self.rule_base.provisions:
            return None
        old = self.rule_base.provisions[older]
        names = {older, old.clause.id, old.policy.id}
        for target, node in self.superseded_targets(newer):
            if target in names:
                where = {ast.Provision: "provision", ast.Clause: "clause", ast.Policy: "policy"}[type(node)]
                return Acknowledgement("supersedes", f"supersedes {target} (in {where} `{node.id}`)",
                                       f"`{newer}` replaces `{older}`", node.span)
        return None

    def unused_allows(self) -> list[_Allow]:
        return [entry for entry in self.allows if not entry.used]
