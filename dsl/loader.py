"""Load a rule base: every `*.policy` file of a directory (or one file), parsed and checked.

Every file is parsed even when an earlier one has a syntax error, so a drafter sees all problems
at once; checking needs the whole vocabulary, so it runs only when every file parsed.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from .checker import RuleBase, check
from .diagnostics import Diagnostic, PolicylogError, SourceCache, error, has_errors
from .parser import MAX_RULE_FILE_BYTES, parse_file

RULE_SUFFIX = ".policy"


def bundled_rules_dir() -> Path:
    """The rule base shipped with policylog (the repository's `rules/`)."""
    return Path(str(resources.files("policylog.rules")))


def rule_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.glob(f"*{RULE_SUFFIX}") if p.is_file())
    return [path]


def load_rule_base(path: str | Path | None = None, *, sources: SourceCache | None = None) -> RuleBase:
    """Parse and check; raise PolicylogError carrying all diagnostics if any is an error.

    A directory holds the vocabulary and policies; a single file is loaded together with the
    vocabulary files (those holding no policy) of its own directory, so `policylog check
    rules/nmg2026.policy` works on its own.
    """
    path = Path(path) if path is not None else bundled_rules_dir()
    if not path.exists():
        raise PolicylogError([error("E007", "unreadable-file", f"no rule file or directory `{path}`",
                                    None, help="pass a `.policy` file or a directory of them")])
    files = rule_files(path)
    if not files:
        raise PolicylogError([error("E007", "unreadable-file", f"no `*{RULE_SUFFIX}` files in `{path}`",
                                    None)])
    sources = sources if sources is not None else SourceCache()
    modules, diagnostics = [], []
    texts: dict[str, str] = {}
    for file in files:
        try:
            module, text = parse_file(file)
        except PolicylogError as exc:
            diagnostics.extend(exc.diagnostics)
            try:  # as parse_file read it: no newline translation, never more than the limit
                with file.open("rb") as stream:
                    sources.add(str(file), stream.read(MAX_RULE_FILE_BYTES + 1).decode("utf-8", "replace"))
            except OSError:
                pass
            continue
        sources.add(str(file), text)
        texts[str(file)] = text
        modules.append(module)
    if path.is_file():
        modules.extend(_vocabulary_beside(path, sources, texts, diagnostics))
    if diagnostics:
        raise PolicylogError(diagnostics)
    rule_base = check(tuple(modules))
    rule_base.sources = texts
    if has_errors(rule_base.diagnostics):
        raise PolicylogError(rule_base.diagnostics)
    return rule_base


def _vocabulary_beside(path: Path, sources: SourceCache, texts: dict[str, str],
                       diagnostics: list[Diagnostic]):
    from . import ast

    for sibling in rule_files(path.parent):
        if sibling.resolve() == path.resolve():
            continue
        try:
            module, text = parse_file(sibling)
        except PolicylogError:
            continue  # a broken sibling is reported when it is checked itself
        if not any(isinstance(item, ast.Policy) for item in module.items):
            sources.add(str(sibling), text)
            texts[str(sibling)] = text
            yield module
