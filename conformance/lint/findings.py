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
    # The evidence rule behind it (`conformance.contract.evidence`): how sure we are of what
    # Moonshot answers. Only documented or captured rules may be errors, but for keeping
    # secrets out of files, which is a leak whatever the API answers.
    evidence: str


RULES: dict[str, RuleInfo] = {
    rule.id: rule
    for rule in (
        RuleInfo(
            "base-url",
            "error",
            "A Moonshot base URL that is wrong or not Moonshot's.",
            "base-url.official",
        ),
        RuleInfo(
            "gateway-model-id",
            "error",
            "A third-party gateway's model ID used with Moonshot.",
            "model-id.native",
        ),
        RuleInfo(
            "retired-model",
            "warning",
            "A retired Moonshot model ID (answers 404).",
            "model.retired-404",
        ),
        RuleInfo(
            "sampling-param",
            "error",
            "A sampling parameter the model's rules do not allow.",
            "params.fixed",
        ),
        RuleInfo(
            "hardcoded-key", "error", "An API key written into a file.", "key.from-environment"
        ),
        RuleInfo(
            "tool-schema",
            "error",
            "A tool or response schema Moonshot refuses: not Moonshot Flavored JSON Schema.",
            "tools.mfjs",
        ),
    )
}
# Errors whatever the evidence level: a key in a file leaks, whatever Moonshot answers.
HYGIENE = frozenset({"hardcoded-key"})


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
