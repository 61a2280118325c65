"""What `lint` reports: findings, rule metadata and severities."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

SEVERITIES = ("note", "warning", "error")  # ascending


@dataclass(frozen=True)
class RuleInfo:
    id: str
    severity: str
    summary: str


RULES: dict[str, RuleInfo] = {
    rule.id: rule
    for rule in (
        RuleInfo("base-url", "error", "A Moonshot base URL that is wrong or not Moonshot's."),
        RuleInfo(
            "gateway-model-id", "error", "A third-party gateway's model ID used with Moonshot."
        ),
        RuleInfo("retired-model", "warning", "A retired Moonshot model ID (answers 404)."),
        RuleInfo("sampling-param", "error", "A sampling parameter the model's rules do not allow."),
        RuleInfo("hardcoded-key", "error", "An API key written into a file."),
        RuleInfo(
            "tool-schema",
            "error",
            "A tool or response schema Moonshot refuses: not Moonshot Flavored JSON Schema.",
        ),
    )
}


@dataclass(frozen=True, order=True)
class Finding:
    """One mistake at one place. `message` and `fix` never contain a secret."""

    path: str  # relative to the scanned root when possible, with forward slashes
    line: int  # 1-based
    column: int  # 1-based
    rule: str
    message: str
    fix: str
    level: str = ""  # this finding's severity when it is not the rule's own

    @property
    def severity(self) -> str:
        return self.level or RULES[self.rule].severity

    def to_json(self) -> dict[str, Any]:
        found = asdict(self)
        del found["level"]
        return {**found, "severity": self.severity}


@dataclass
class LintResult:
    findings: list[Finding] = field(default_factory=list)
    files_scanned: int = 0

    def at_or_above(self, severity: str) -> list[Finding]:
        floor = SEVERITIES.index(severity)
        return [f for f in self.findings if SEVERITIES.index(f.severity) >= floor]
