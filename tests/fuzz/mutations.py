"""Hypothesis strategies that damage rule files the way people and tools do.

A mutation is data — `(operation, a, b)` with integer arguments taken modulo the text's size — so
hypothesis can shrink a failing input to the one or two edits that matter.
"""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import strategies as st

from ..conftest import FIXTURES, REPO

# Rule-file tokens, roughly: enough to delete, duplicate and swap whole words and quantities.
TOKEN = re.compile(r'"""[\s\S]*?"""|"(?:[^"\\\n]|\\.)*"|#[^\n]*|[0-9][0-9,]*(?:\.[0-9]+)?'
                   r'(?:%|[^\W\d]\w*(?:/[^\W\d]\w*)?)?|[^\W\d]\w*(?:\.\w+)*|>=|<=|!=|==|\S')

KEYWORDS = (
    "dimension 量纲 base 基本单位 unit 单位 subject 主体 of 归属 enum 枚举 attribute 属性 payer 承担 "
    "bool 布尔 integer 整数 decimal 数值 text 文本 原文 year 年份 set 集合 policy 政策 title 标题 "
    "status 状态 supersedes 取代 默认承担 不重复享受 allow 允许 clause 条款 note 解释 合计上限 per 每 "
    "over 涵盖 provision 规定 for 对象 when 条件 unless 除非 then 则 amount 金额 最高 不低于 by 按 "
    "cap 上限 informational 仅说明 or 或 and 且 not 非 in 属于 has 包含 exists 存在 true 是 false 否"
).split() + ["per year", "按年", "default payer", "not cumulative", "total cap", "up to", "at least"]

PUNCTUATION = list("{}()[]:;,.=<>+-*/×≥≤≠%\"") + ["（", "）", "：", "；", "，", "、", "。", "【", "】",
                                                 "「", "」", "“", "”", "‘", "’", "！", "？", "——", "……"]
FULL_WIDTH = str.maketrans({",": "，", ":": "：", "(": "（", ")": "）", ";": "；", ".": "。",
                            "{": "｛", "}": "｝", "=": "＝", "%": "％", "<": "＜", ">": "＞",
                            "0": "０", "1": "１", "2": "２", "5": "５", "9": "９"})
STRANGE = ["\ufeff", "\u3000", "\u00a0", "\u200b", "\t", "\r", "\r\n", "\x00", "\x0b", "\x0c",
           "\x85", "\u2028", "\u2029", "\ud7ff", "\U0001f600", "\u0301", "\u202e", "\\", '"""',
           "１２３", "1,000万元", "1,00万元", "0.5", "-5万元", "9" * 80, "1." + "0" * 70 + "1",
           "1" * 5000, "(" * 300, "not " * 300, "）" * 5, "#", "//", "/*", "*/"]


def corpus() -> dict[str, dict[str, str]]:
    """Rule bases to mutate: the frozen core fixture and whatever `rules/` holds right now."""
    bases = {}
    for name, folder in (("core", FIXTURES / "core"), ("rules", REPO / "rules")):
        files = {f"{name}/{p.name}": p.read_bytes().decode("utf-8", "replace")
                 for p in sorted(Path(folder).glob("*.policy"))}
        if files:
            bases[name] = files
    return bases


CORPUS = corpus()
TOKEN_POOL = sorted({m.group() for files in CORPUS.values() for text in files.values()
                     for m in TOKEN.finditer(text) if len(m.group()) < 80} | set(KEYWORDS) | set(PUNCTUATION))

OPERATIONS = ("delete", "duplicate", "swap", "replace", "truncate", "insert_text", "insert_strange",
              "full_width", "bom", "crlf", "lone_cr", "delete_line", "duplicate_line", "whitespace")


def tokens(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in TOKEN.finditer(text)]


def apply(text: str, operation: str, a: int, b: int, payload: str) -> str:
    spans = tokens(text)
    if operation in ("delete", "duplicate", "swap", "replace") and not spans:
        operation = "insert_text"
    match operation:
        case "delete":
            start, end = spans[a % len(spans)]
            return text[:start] + text[end:]
        case "duplicate":
            start, end = spans[a % len(spans)]
            return text[:end] + " " + text[start:end] + text[end:]
        case "swap":
            (s1, e1), (s2, e2) = sorted((spans[a % len(spans)], spans[b % len(spans)]))
            if s2 < e1:
                return text
            return text[:s1] + text[s2:e2] + text[e1:s2] + text[s1:e1] + text[e2:]
        case "replace":
            start, end = spans[a % len(spans)]
            return text[:start] + TOKEN_POOL[b % len(TOKEN_POOL)] + text[end:]
        case "truncate":
            return text[: a % (len(text) + 1)]
        case "insert_text":
            at = a % (len(text) + 1)
            return text[:at] + payload + text[at:]
        case "insert_strange":
            at = a % (len(text) + 1)
            return text[:at] + STRANGE[b % len(STRANGE)] + text[at:]
        case "full_width":  # from a random point on, punctuation and digits become full-width
            at = a % (len(text) + 1)
            end = at + 1 + b % 400
            return text[:at] + text[at:end].translate(FULL_WIDTH) + text[end:]
        case "bom":
            return "\ufeff" + text if a % 2 else text.replace("\n", "\n\ufeff", 1)
        case "crlf":
            return text.replace("\n", "\r\n")
        case "lone_cr":
            return text.replace("\n", "\r")
        case "delete_line" | "duplicate_line":
            lines = text.split("\n")
            index = a % len(lines)
            if operation == "delete_line":
                del lines[index]
            else:
                lines.insert(index, lines[index])
            return "\n".join(lines)
        case "whitespace":
            return text.replace(" ", ["\u3000", "\t", "", "  \n  "][b % 4], 1 + a % 50)
    raise AssertionError(operation)


mutations = st.lists(
    st.tuples(st.sampled_from(OPERATIONS), st.integers(0, 1 << 20), st.integers(0, 1 << 20),
              st.text(max_size=12)),
    min_size=1, max_size=5)


@st.composite
def mutated_rule_base(draw) -> tuple[dict[str, str], str]:
    """A copy of a corpus rule base with one file damaged; returns (files, damaged file)."""
    base = draw(st.sampled_from(sorted(CORPUS)))
    files = dict(CORPUS[base])
    target = draw(st.sampled_from(sorted(files)))
    text = files[target]
    for operation, a, b, payload in draw(mutations):
        text = apply(text, operation, a, b, payload)
    files[target] = text
    return files, target
