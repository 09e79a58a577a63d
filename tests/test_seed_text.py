"""Every clause quotes its source text character for character (issue: the complete rule base).

The seeds are PDF extractions: line breaks fall mid-word and page breaks add spacing, so only
white space touching a line break is ignored. Every other character — including spaces inside a
line such as "5000 吨" — must match, each clause must start with its own number, and nothing of
substance may fall between two consecutive clauses.
"""

import re

import pytest

from policylog.dsl.loader import load_rule_base

from .conftest import REPO, RULES

SEEDS = REPO.parent / "shared" / "seeds"
SEED_FILES = {"nmg2022": "001_e4f66b3f7ec81125.txt", "nmg2026": "000_32fa1990c0bebd65.txt"}
EXPECTED_CLAUSES = {"nmg2022": 30, "nmg2026": 19}

pytestmark = pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not beside the repo")


def normalize(text: str) -> str:
    """Join PDF lines: drop line breaks and the white space around them."""
    return re.sub(r"[ \t\u3000]*\n\s*", "", text)


@pytest.fixture(scope="module")
def rule_base():
    return load_rule_base(RULES)


@pytest.mark.parametrize("policy_id", sorted(SEED_FILES))
def test_clause_texts_match_the_seed_in_order(rule_base, policy_id):
    seed = normalize((SEEDS / SEED_FILES[policy_id]).read_text(encoding="utf-8"))
    clauses = [c for c in rule_base.policies[policy_id].clauses]
    assert len(clauses) == EXPECTED_CLAUSES[policy_id]
    positions = []
    for clause in clauses:
        text = normalize(clause.text)
        assert text, clause.id
        position = seed.find(text)
        assert position >= 0, f"{clause.id}: quoted text is not in the seed verbatim"
        assert seed.count(text) == 1, f"{clause.id}: quoted text is ambiguous"
        positions.append((position, position + len(text), clause.id))
    assert [p[2] for p in sorted(positions)] == [c.id for c in clauses], "clauses out of seed order"
    for (start, end, clause_id), (next_start, _, next_id) in zip(positions, positions[1:]):
        gap = seed[end:next_start]
        assert "。" not in gap and "；" not in gap, f"text lost between {clause_id} and {next_id}: {gap!r}"
        heading = r"[#*\s]*[一二三四五六七八九十]+、[^。；，]*?[*\s]*"
        assert gap == "" or re.fullmatch(heading, gap), \
            f"{clause_id}: {gap!r} between it and {next_id} is not a section heading"


def test_clause_texts_start_with_their_number(rule_base):
    chinese = "一二三四五六七八九十"

    def numeral(n: int) -> str:
        if n <= 10:
            return chinese[n - 1]
        tens, ones = divmod(n, 10)
        return (chinese[tens - 1] if tens > 1 else "") + "十" + (chinese[ones - 1] if ones else "")

    for clause_id, (clause, policy) in rule_base.clauses.items():
        item = int(clause_id.split(".")[-1])
        assert re.match(rf"^[（(]\s*{numeral(item)}\s*[）)]", clause.text), clause_id
