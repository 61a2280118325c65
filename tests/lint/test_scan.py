"""lint over the fixture project: each mistake found exactly, clean code and skipped trees not."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.errors import UsageError
from conformance.lint import lint_paths, scan_text

PROJECT = Path(__file__).parent.parent / "data" / "lint_project"

# (rule, file, line): every finding the fixture project must produce, and no other.
EXPECTED = {
    ("hardcoded-key", ".env", 2),
    ("retired-model", ".env", 3),
    ("base-url", "app/client.py", 7),  # no /v1
    ("gateway-model-id", "app/client.py", 10),  # moonshotai/kimi-k2.6 with Moonshot's URL
    ("sampling-param", "app/client.py", 12),  # temperature 0.7 on kimi-k2.6
    ("retired-model", "app/legacy.py", 6),  # kimi-latest
    ("retired-model", "app/legacy.py", 11),  # moonshot-v1-8k
    ("sampling-param", "app/legacy.py", 13),  # temperature 1.5
    ("base-url", "app/raw_http.py", 9),  # http://
    ("base-url", "config/settings.yaml", 4),  # api.moonshoot.ai
    ("gateway-model-id", "config/settings.yaml", 6),  # accounts/fireworks/models/kimi-k2p6
    ("base-url", "web/client.ts", 5),  # full endpoint as baseURL
    ("sampling-param", "web/client.ts", 13),  # top_p 0.9
    ("sampling-param", "web/client.ts", 14),  # n 2
    # tool-schema: MFJS violations in real-world-shaped tool definitions
    ("tool-schema", "app/tools.py", 17),  # type beside anyOf (kimi-cli#2531)
    ("tool-schema", "app/tools.py", 32),  # format in a response_format schema
    ("tool-schema", "config/agent.yaml", 25),  # minimum above maximum
    ("tool-schema", "mcp/tools_list.json", 28),  # enum without type (JetBrains MCP)
    ("tool-schema", "mcp/tools_list.json", 46),  # root type beside anyOf (Notion MCP)
    ("tool-schema", "mcp/tools_list.json", 82),  # "search.files" is no function name
    ("tool-schema", "tools/pydantic_tools.json", 17),  # pydantic: format
    ("tool-schema", "tools/pydantic_tools.json", 31),  # pydantic: description beside $ref
    ("tool-schema", "tools/pydantic_tools.json", 49),  # pydantic: default beside anyOf
    ("tool-schema", "tools/zod_tools.json", 16),  # zod: exclusiveMinimum
    ("tool-schema", "tools/zod_tools.json", 20),  # zod: format
    ("tool-schema", "tools/zod_tools.json", 33),  # zod: $schema
}


def test_the_fixture_project_yields_exactly_the_planted_mistakes() -> None:
    result = lint_paths([PROJECT])
    assert {(f.rule, f.path, f.line) for f in result.findings} == EXPECTED
    assert len(result.findings) == len(EXPECTED)
    # node_modules, .venv, a dir with pyvenv.cfg, build/, a binary and Markdown are skipped
    assert result.files_scanned == 17


@pytest.mark.parametrize(
    "clean", ["app/clean.py", "app/suppressed.py", "openrouter/integration.py", "config/app.toml",
              "config/models.json", "tools/clean_tools.json"],
)  # fmt: skip
def test_clean_and_suppressed_files_are_not_flagged(clean: str) -> None:
    assert lint_paths([PROJECT / clean]).findings == []


def test_a_file_named_explicitly_is_shown_as_given() -> None:
    path = PROJECT / "app" / "legacy.py"
    assert {f.path for f in lint_paths([path]).findings} == {str(path)}


def test_a_missing_path_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="does not exist"):
        lint_paths([PROJECT / "no-such-dir"])


# Each rule on a minimal snippet: flagged when wrong, silent when right.
MOONSHOT = 'base_url = "https://api.moonshot.ai/v1"\n'
CASES = [
    ("base-url", 'base_url = "https://api.moonshot.ai/v1/"\n', False),
    ("base-url", 'base_url = "https://api.moonshot.ai/v1/chat/completions"\n', True),
    ("base-url", 'post("https://api.moonshot.ai/v1/chat/completions")\n', False),
    ("base-url", 'MOONSHOT_BASE_URL = "https://openrouter.ai/api/v1"\n', True),
    ("base-url", 'OPENROUTER_BASE_URL = "https://openrouter.ai/api/v1"\n', False),
    ("base-url", 'MOONSHOT_BASE_URL = "https://api.kimi.com/coding/v1"\n', True),
    ("base-url", "# docs: https://platform.moonshot.ai/docs/intro\n", False),
    ("base-url", 'base_url = "https://platform.moonshot.ai/v1"\n', True),
    ("base-url", 'u = "https://user:pw@api.moonshot.ai/v1"\n', True),
    ("base-url", 'u = "https://example.com/v1"\n', False),
    ("gateway-model-id", MOONSHOT + 'model = "Pro/moonshotai/Kimi-K2.6"\n', True),
    ("gateway-model-id", MOONSHOT + 'model = "kimi-for-coding"\n', True),
    ("gateway-model-id", 'model = "Pro/moonshotai/Kimi-K2.6"\n', False),
    ("gateway-model-id", MOONSHOT + 'model = "kimi-k2.6"\n', False),
    ("gateway-model-id", MOONSHOT + 'open("kimi/notes.txt")\n', False),
    ("retired-model", 'model = "kimi-k2-0905-preview"\n', True),
    ("retired-model", 'model = "kimi-k2.6"\n', False),
    ("sampling-param", 'create(model="kimi-k3", temperature=0.6)\n', True),
    ("sampling-param", 'create(model="kimi-k3", temperature=1)\n', False),
    ("sampling-param", 'create(model="kimi-k2.6", presence_penalty=0.5)\n', True),
    ("sampling-param", 'create(model="kimi-k2.6", frequencyPenalty: 0)\n', False),
    ("sampling-param", 'create(model="moonshot-v1-8k", temperature=0.3, n=3)\n', False),
    ("sampling-param", 'create(model="moonshot-v1-8k", temperature=1.2)\n', True),
    ("sampling-param", 'create(model="gpt-4o", temperature=1.2)\n', False),
    ("sampling-param", 'create(model="kimi-k2.6")\n' + "\n" * 40 + "temperature = 0.1\n", False),
    ("hardcoded-key", 'key = "sk-' + "AbCdEf0123" * 4 + '"\n', True),
    ("hardcoded-key", 'key = "sk-short"\nrisk-' + "a" * 40 + "\n", False),
]


@pytest.mark.parametrize(("rule", "text", "flagged"), CASES)
def test_each_rule_flags_the_wrong_form_only(rule: str, text: str, flagged: bool) -> None:
    rules = {f.rule for f in scan_text("snippet.py", text)}
    assert (rule in rules) is flagged


def test_findings_carry_line_and_column() -> None:
    [finding] = scan_text("x.py", 'a = 1\nclient = OpenAI(base_url="http://api.moonshot.cn/v1")\n')
    assert (finding.line, finding.column) == (2, 27)


@pytest.mark.parametrize(
    "comment",
    ["# kimi-conformance: ignore[retired-model]", "// kimi-conformance: ignore",
     "# kimi-conformance: ignore[base-url, retired-model]"],
)  # fmt: skip
def test_suppression_on_the_line_or_the_line_above(comment: str) -> None:
    line = 'model = "kimi-latest"'
    assert scan_text("x.py", f"{line}  {comment}\n") == []
    assert scan_text("x.py", f"{comment}\n{line}\n") == []


def test_suppressing_another_rule_does_not_hide_this_one() -> None:
    text = 'model = "kimi-latest"  # kimi-conformance: ignore[base-url]\n'
    assert [f.rule for f in scan_text("x.py", text)] == ["retired-model"]
