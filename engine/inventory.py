"""The clause inventory: every clause of a rule base, its status, and the ids its source lacks.

A policy list numbers its clauses; `manifest.yaml` beside the rules records, per policy, the seed
document and the clause ids it numbers, so a clause that was never encoded shows up as missing
rather than silently absent:

    policies:
      nmg2026:
        seed: 000_32fa1990c0bebd65.txt
        expected_clauses:
          - [nmg2026.1.1, nmg2026.1.2]   # a section per line is fine; lists are flattened once

A clause is *executable* when at least one of its provisions computes an amount, *informational*
when every provision only says what is offered (`informational "…"`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from ..dsl import ast
from ..dsl.checker import RuleBase
from ..dsl.diagnostics import PolicylogError, Span, error

MANIFEST_NAME = "manifest.yaml"


@dataclass(frozen=True, slots=True)
class PolicyManifest:
    policy: str
    seed: str | None
    title: str | None
    expected_clauses: tuple[str, ...]


def manifest_path(rules: Path) -> Path:
    """The manifest of a rule directory, or of the directory a single rule file is in."""
    return (rules if rules.is_dir() else rules.parent) / MANIFEST_NAME


def load_manifest(path: Path) -> dict[str, PolicyManifest]:
    """Read a manifest; an absent file is an empty manifest, a malformed one an error."""
    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise _bad(path, f"cannot read the manifest: {type(exc).__name__}") from None
    policies = data.get("policies") if isinstance(data, dict) else None
    if not isinstance(policies, dict):
        raise _bad(path, "a manifest is a mapping with a `policies:` table")
    manifest = {}
    for policy, entry in policies.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("expected_clauses"), list):
            raise _bad(path, f"policy `{policy}` needs an `expected_clauses` list")
        ids: list[str] = []
        for item in entry["expected_clauses"]:
            ids.extend(str(i) for i in (item if isinstance(item, list) else [item]))
        manifest[str(policy)] = PolicyManifest(str(policy), entry.get("seed"), entry.get("title"),
                                               tuple(ids))
    return manifest


def _bad(path: Path, message: str) -> PolicylogError:
    return PolicylogError([error("E611", "bad-manifest", message, Span.point(str(path), 1, 1),
                                 help="see docs/rule-tests.md for the manifest's shape")])


def provision_status(provision: ast.Provision) -> str:
    return "executable" if provision.amount is not None else "informational"


def clause_status(clause: ast.Clause) -> str:
    if not clause.provisions:
        return "empty"
    if any(p.amount is not None for p in clause.provisions):
        return "executable"
    return "informational"


@dataclass(frozen=True, slots=True)
class PolicyInventory:
    policy: str
    title: str | None
    encoded: bool  # False: the manifest names a policy the rule base does not have
    manifest: PolicyManifest | None
    clauses: tuple[ast.Clause, ...]
    missing: tuple[str, ...]  # expected by the manifest, not encoded
    unexpected: tuple[str, ...]  # encoded, not in the manifest (only when it lists the policy)

    @property
    def expected(self) -> int:
        return len(self.manifest.expected_clauses) if self.manifest else len(self.clauses)

    @property
    def present(self) -> int:
        return self.expected - len(self.missing)

    def count(self, status: str) -> int:
        return sum(1 for c in self.clauses if clause_status(c) == status)


def inventory(rule_base: RuleBase, manifest: dict[str, PolicyManifest],
              policies: set[str] | None = None) -> list[PolicyInventory]:
    """One entry per policy (sorted by id), clauses in source order.

    Without `policies`, every policy of the rule base or the manifest: a policy the manifest
    names and no rule file encodes has all its clauses missing.
    """
    result = []
    for policy_id in sorted(policies if policies is not None else {*rule_base.policies, *manifest}):
        policy = rule_base.policies.get(policy_id)
        expected = manifest.get(policy_id)
        clauses = policy.clauses if policy is not None else ()
        encoded = [c.id for c in clauses]
        missing = tuple(i for i in expected.expected_clauses if i not in encoded) if expected else ()
        unexpected = tuple(i for i in encoded if i not in expected.expected_clauses) if expected else ()
        title = policy.title if policy is not None and policy.title else (
            expected.title if expected else None)
        result.append(PolicyInventory(policy_id, title, policy is not None, expected, clauses,
                                      missing, unexpected))
    return result


def summary_line(entries: list[PolicyInventory]) -> str:
    """`49 of 49 clauses; 45 executable, 4 informational`."""
    expected = sum(e.expected for e in entries)
    present = sum(e.present for e in entries)
    executable = sum(e.count("executable") for e in entries)
    informational = sum(e.count("informational") for e in entries)
    line = f"{present} of {expected} clauses; {executable} executable, {informational} informational"
    empty = sum(e.count("empty") for e in entries)
    if empty:
        line += f", {empty} without provisions"
    missing = [m for e in entries for m in e.missing]
    if missing:
        line += f"; missing: {', '.join(missing)}"
    return line


def render_text(entries: list[PolicyInventory]) -> str:
    out: list[str] = []
    for entry in entries:
        seed = f"  (seed {entry.manifest.seed})" if entry.manifest and entry.manifest.seed else ""
        out.append(f"{entry.policy}  {entry.title or ''}{seed}")
        if not entry.encoded:
            out.append("  no rule file encodes this policy")
        for clause in entry.clauses:
            out.append(f"  {clause.id:<13} {clause_status(clause):<13} {clause.title}")
            provisions = ", ".join(
                p.id + (" (informational)" if p.amount is None else "") for p in clause.provisions)
            out.append(f"      provisions: {provisions or '(none)'}")
        out.append(f"  {entry.present} of {entry.expected} clauses; "
                   f"{entry.count('executable')} executable, {entry.count('informational')} "
                   "informational")
        if entry.missing:
            out.append(f"  missing: {', '.join(entry.missing)}")
        if entry.unexpected:
            out.append(f"  not in the manifest: {', '.join(entry.unexpected)}")
        out.append("")
    out.append(summary_line(entries))
    return "\n".join(out) + "\n"


def to_json(entries: list[PolicyInventory]) -> dict:
    def clause_json(clause: ast.Clause) -> dict:
        return {"id": clause.id, "title": clause.title, "status": clause_status(clause),
                "span": clause.span.to_json() if clause.span else None,
                "provisions": [{"id": p.id, "title": p.title, "status": provision_status(p)}
                               for p in clause.provisions]}

    return {
        "format": "policylog.clauses",
        "version": 1,
        "policies": [{"id": e.policy, "title": e.title, "encoded": e.encoded,
                      "seed": e.manifest.seed if e.manifest else None,
                      "expected": e.expected, "present": e.present,
                      "executable": e.count("executable"),
                      "informational": e.count("informational"),
                      "missing": list(e.missing), "not_in_manifest": list(e.unexpected),
                      "clauses": [clause_json(c) for c in e.clauses]} for e in entries],
        "summary": {"expected": sum(e.expected for e in entries),
                    "present": sum(e.present for e in entries),
                    "executable": sum(e.count("executable") for e in entries),
                    "informational": sum(e.count("informational") for e in entries),
                    "missing": [m for e in entries for m in e.missing],
                    "text": summary_line(entries)},
    }
