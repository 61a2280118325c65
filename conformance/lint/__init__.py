"""`kimi-conformance lint`: find Kimi integration mistakes in source and config files.

Public API: `lint_paths(paths) -> LintResult`, `scan_text(path, text)`, `Finding`, `RULES`,
and the formatters in `conformance.lint.report` (`to_text`, `to_json`, `to_sarif`).

Rules (id, default severity):

- `base-url` (error): a base URL meant for Moonshot/Kimi that is wrong: missing `/v1`, a
  full endpoint as base, `http://`, a mistyped host, credentials in the URL; and a gateway's,
  Kimi Code's or the console's URL where the same line names Moonshot (`MOONSHOT_…`).
  URLs of other services, loopback URLs and full endpoint URLs used as such are left alone.
- `gateway-model-id` (error): a third-party model ID (`moonshotai/kimi-k2.6`,
  `accounts/fireworks/models/kimi-k2p6`, ...) in a file that also mentions an official
  Moonshot base URL or `MOONSHOT_API_KEY`. An OpenRouter integration using OpenRouter's
  own base URL and key is not flagged.
- `retired-model` (warning): a model ID in `conformance.contract.retired.RETIRED`.
- `sampling-param` (error): a temperature above 1 (Kimi's range is [0, 1]) near a Kimi model
  ID, or a fixed sampling parameter (temperature, top_p, n, presence/frequency penalty)
  changed for a model that forbids it (kimi-k2.5 and newer).
- `hardcoded-key` (error): `sk-` followed by a long token. The key is never echoed.
- `tool-schema` (error): a tool's `parameters` (OpenAI or MCP `inputSchema`), a
  `response_format` JSON schema or a function name that Moonshot refuses: not Moonshot
  Flavored JSON Schema, judged like MoonshotAI/walle (`conformance.contract.mfjs`), at
  the line of the offending keyword with the fix where it is mechanical. Found in JSON and
  YAML files (tool lists, MCP `tools/list` answers, request bodies) and in Python literals
  passed as `tools=` / `response_format=` (or module-level names bound to them). walle's
  documented-only limits are warnings, a subschema without `type` a note.

Suppression: a comment on the offending line, or alone on the line above it::

    client = OpenAI(base_url="http://localhost:8000")  # kimi-conformance: ignore[base-url]
    // kimi-conformance: ignore[retired-model, sampling-param]
    # kimi-conformance: ignore            (every rule)

Files scanned: Python, JavaScript/TypeScript, YAML, TOML, JSON and `.env` files (any file
named explicitly). Skipped: `node_modules`, `.git`, virtualenvs (`.venv`, `venv`, any
directory holding `pyvenv.cfg`), `__pycache__`, build directories, binary files and files
over 1 MB. Scanning is line based (`tool-schema` parses JSON, YAML and Python's syntax
tree), so it is fast and never executes the code.
"""

from __future__ import annotations

from conformance.lint.findings import RULES, SEVERITIES, Finding, LintResult
from conformance.lint.scan import lint_paths, scan_text

__all__ = ["RULES", "SEVERITIES", "Finding", "LintResult", "lint_paths", "scan_text"]
