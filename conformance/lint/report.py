"""`lint` output: text for people, JSON for scripts, SARIF 2.1.0 for GitHub code scanning."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from conformance import __version__
from conformance.contract.evidence import rule as evidence_rule
from conformance.lint.findings import RULES, SEVERITIES, Finding, LintResult

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _shown(result: LintResult, severity: str) -> list[Finding]:
    return result.at_or_above(severity)


def to_text(result: LintResult, severity: str = "note") -> str:
    findings = _shown(result, severity)
    lines = [
        f"{f.path}:{f.line}:{f.column}: {f.severity} [{f.rule}] {f.message} Fix: {f.fix}"
        for f in findings
    ]
    counts = Counter(f.severity for f in findings)
    summary = ", ".join(f"{counts[s]} {s}" for s in reversed(SEVERITIES) if counts[s])
    lines.append(
        f"{len(findings)} finding(s) in {result.files_scanned} file(s) scanned"
        + (f" ({summary})" if summary else "")
    )
    return "\n".join(lines) + "\n"


def to_json(result: LintResult, severity: str = "note") -> str:
    findings = _shown(result, severity)
    document = {
        "tool": "kimi-conformance lint",
        "version": __version__,
        "files_scanned": result.files_scanned,
        "findings": [f.to_json() for f in findings],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def to_sarif(result: LintResult, severity: str = "note") -> str:
    rule_ids = list(RULES)
    rules: list[dict[str, Any]] = [
        {
            "id": rule.id,
            "name": rule.id.title().replace("-", ""),
            "shortDescription": {"text": rule.summary},
            "help": {"text": "See `kimi-conformance lint --help` and the conformance.lint docs."},
            "defaultConfiguration": {"level": rule.severity},
            "properties": {
                "evidence": rule.evidence,
                "evidenceLevel": evidence_rule(rule.evidence).level,
            },
        }
        for rule in RULES.values()
    ]
    results = [
        {
            "ruleId": f.rule,
            "ruleIndex": rule_ids.index(f.rule),
            "level": f.severity,
            "message": {"text": f"{f.message} Fix: {f.fix}"},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": f.path, "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": f.line, "startColumn": f.column},
                    }
                }
            ],
        }
        for f in _shown(result, severity)
    ]
    document = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "kimi-conformance",
                        "version": __version__,
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


FORMATTERS = {"text": to_text, "json": to_json, "sarif": to_sarif}
