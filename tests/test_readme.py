"""The two READMEs say the same thing: every command, option and environment variable in
one is in the other, they link to each other, and every variable the code reads is
documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
README_ZH = ROOT / "README.zh-CN.md"

_COMMAND = re.compile(r"kimi-conformance ([a-z][a-z-]+)")
_OPTION = re.compile(r"(?<![\w-])(--[a-z][a-z0-9]*(?:-[a-z0-9]+)*)")
_VARIABLE = re.compile(r"\b((?:KIMI|MOONSHOT)_[A-Z][A-Z0-9_]*|XDG_CACHE_HOME|GITHUB_ACTIONS)\b")


def _code(text: str) -> str:
    """The README's code: fenced blocks and inline code spans (prose may translate)."""
    blocks = re.findall(r"```[^\n]*\n(.*?)```", text, flags=re.S)
    rest = re.sub(r"```[^\n]*\n.*?```", "", text, flags=re.S)
    return "\n".join([*blocks, *re.findall(r"`([^`]+)`", rest)])


def vocabulary(text: str) -> dict[str, set[str]]:
    """What a reader types: commands, options and environment variables."""
    code = _code(text)
    return {
        "commands": set(_COMMAND.findall(code)),
        "options": set(_OPTION.findall(code)),
        "variables": set(_VARIABLE.findall(code)),
    }


def differences(a: str, b: str) -> dict[str, tuple[set[str], set[str]]]:
    """What is in `a` only and in `b` only, per kind; empty when they agree."""
    va, vb = vocabulary(a), vocabulary(b)
    return {kind: (va[kind] - vb[kind], vb[kind] - va[kind]) for kind in va if va[kind] != vb[kind]}


def test_the_chinese_readme_has_every_command_option_and_variable_of_the_english_one():
    assert differences(README.read_text(), README_ZH.read_text()) == {}


def test_the_readmes_link_to_each_other():
    assert "(README.zh-CN.md)" in README.read_text()
    assert "(README.md)" in README_ZH.read_text()


def test_the_chinese_readme_is_chinese_and_whole():
    text = README_ZH.read_text()
    han = sum(1 for char in text if "\u4e00" <= char <= "\u9fff")
    assert han > 1500, "README.zh-CN.md should be a translation, not a stub"
    headings = lambda t: len(re.findall(r"^#{1,4} ", t, flags=re.M))  # noqa: E731
    assert headings(text) == headings(README.read_text())


def test_the_comparison_catches_what_one_readme_lacks():
    english = "Run `kimi-conformance run --live --cassettes DIR` with `KIMI_RPM=3`."
    assert differences(english, english) == {}
    assert differences(english, "运行 `kimi-conformance run --live` 设置 `KIMI_RPM=3`") == {
        "options": ({"--cassettes"}, set())
    }
    assert differences(english, "`kimi-conformance lint --live --cassettes D` `KIMI_RPM`") == {
        "commands": ({"run"}, {"lint"})
    }
    assert differences(english, "`kimi-conformance run --live --cassettes D`") == {
        "variables": ({"KIMI_RPM"}, set())
    }


def _variables_the_code_reads() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "conformance").rglob("*.py"):
        found |= set(re.findall(r"[\"']((?:KIMI|MOONSHOT)_[A-Z][A-Z0-9_]*)[\"']", path.read_text()))
    return found


@pytest.mark.parametrize("readme", [README, README_ZH], ids=lambda p: p.name)
def test_every_variable_the_code_reads_is_documented(readme):
    read = _variables_the_code_reads()
    assert {"MOONSHOT_API_KEY", "KIMI_CONFORMANCE_CASSETTES", "KIMI_READ_TIMEOUT"} <= read
    assert read - vocabulary(readme.read_text())["variables"] == set()
