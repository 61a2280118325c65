"""The line-based checks behind `kimi-conformance lint` (rules documented in `__init__`)."""

from __future__ import annotations

import bisect
import os
import re
from collections.abc import Iterable, Iterator
from urllib.parse import urlsplit

from conformance.contract.base_url import (
    classify_base_url,
    gateway_name,
    host_region,
    is_console_host,
    is_loopback,
)
from conformance.contract.lineup import standing
from conformance.contract.model_ids import KIMI_CODE, classify
from conformance.lint import tool_schema
from conformance.lint.findings import Finding, LintResult
from conformance.lint.walk import iter_files, read_text

_URL = re.compile(r"""https?://[^\s'"`<>()\[\]{},\\]+""", re.I)
_QUOTED = re.compile(r"""(["'`])([^"'`\s]{2,200})\1""")
_UNQUOTED = re.compile(r"""^[ \t]*(?:export[ \t]+)?[\w.-]+[ \t]*[:=][ \t]*([^\s#"'`]+)""", re.M)
_KEY = re.compile(r"(?<![\w-])sk-(?:kimi-)?[A-Za-z0-9_-]{32,}")
_PARAM = re.compile(
    r"""(?:^|[^\w.])["']?(?P<name>temperature|top_p|topP|presence_penalty|presencePenalty|"""
    r"""frequency_penalty|frequencyPenalty)["']?\s*[:=]\s*(?P<value>-?\d+(?:\.\d+)?)"""
    # `n` only where it is clearly a request field: `"n": 2`, `(n=2`, `, n: 2`, or a
    # field on its own line (`    n=2,`, `  n: 2`); never a bare `n = 2` variable.
    r"""|(?:[({,][ \t]*|["'])(?P<n>n)["']?[ \t]*[:=][ \t]*(?P<nvalue>\d+)\b"""
    r"""|^[ \t]*(?P<n2>n)[ \t]*(?::[ \t]*(?P<nvalue2>\d+)\b|=[ \t]*(?P<nvalue3>\d+)[ \t]*,)""",
    re.M,
)
_SUPPRESS = re.compile(r"kimi-conformance:\s*ignore(?:\[(?P<rules>[^\]]*)\])?")
_MOONSHOT_FILE = re.compile(r"api\.moonshot\.(?:ai|cn)|MOONSHOT_API_KEY")
_BASE_CONTEXT = re.compile(r"base_?url|baseurl|api_?base|base-url", re.I)
_MODEL_LIKE = re.compile(r"[\w.@~:/-]+")
_FILE_LIKE = re.compile(r"\.(?:py|js|ts|json|ya?ml|toml|md|txt|html?|png|jpe?g)$", re.I)
_ENV_LIKE = (".env", ".yaml", ".yml", ".toml")
_NEAR = 30  # lines: how far a sampling parameter may be from the model it is for
_PARAM_NAMES = {
    "topP": "top_p",
    "presencePenalty": "presence_penalty",
    "frequencyPenalty": "frequency_penalty",
}
_KEY_FIX = (
    "Read the key from the MOONSHOT_API_KEY environment variable, and revoke this one "
    "in the console (platform.kimi.ai/console/api-keys)."
)


class _File:
    """One file's text with offset -> (line, column) lookups and suppression comments."""

    def __init__(self, display: str, text: str) -> None:
        self.display, self.text = display, text
        self._starts: list[int] | None = None
        self.lines = text.splitlines()

    def position(self, offset: int) -> tuple[int, int]:
        if self._starts is None:
            self._starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", self.text)]
        index = bisect.bisect_right(self._starts, offset) - 1
        return index + 1, offset - self._starts[index] + 1

    def line(self, number: int) -> str:
        return self.lines[number - 1] if 0 < number <= len(self.lines) else ""

    def suppressed(self, number: int, rule: str) -> bool:
        candidates = [self.line(number)]
        above = self.line(number - 1).lstrip()
        if above.startswith(("#", "//", "/*", "<!--")):
            candidates.append(above)
        for text in candidates:
            for match in _SUPPRESS.finditer(text):
                rules = match["rules"]
                if rules is None or rule in {r.strip() for r in rules.split(",")}:
                    return True
        return False

    def finding(self, offset: int, rule: str, message: str, fix: str) -> Finding | None:
        line, column = self.position(offset)
        return self.finding_at(line, column, rule, message, fix)

    def finding_at(
        self, line: int, column: int, rule: str, message: str, fix: str, level: str = ""
    ) -> Finding | None:
        if self.suppressed(line, rule):
            return None
        return Finding(self.display, line, column, rule, message, fix, level)


# --- rules ------------------------------------------------------------------------------------


def _url_problem(url: str, line: str) -> str | None:
    """Why `url` on `line` is a wrong Moonshot base URL, or None when it is not our business."""
    verdict = classify_base_url(url)
    if verdict.official:
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return verdict.problem
    if is_loopback(host):
        return None  # an emulator or a local proxy: fine for testing
    names_moonshot = "moonshot" in line.lower()
    if host_region(host) is not None:
        path = parts.path.rstrip("/")
        if path.startswith("/anthropic") and parts.scheme == "https":
            return None  # the Anthropic-compatible surface: another client, not a mistake
        endpoint = re.fullmatch(r"/v1/[\w/.-]+", path) is not None
        used_as_endpoint = not _BASE_CONTEXT.search(line)  # raw HTTP, curl
        if endpoint and used_as_endpoint and parts.scheme == "https" and parts.username is None:
            return None
        return verdict.problem
    if is_console_host(host):
        return verdict.problem if _BASE_CONTEXT.search(line) else None  # docs links are fine
    if gateway_name(host) or host.endswith("kimi.com"):
        return verdict.problem if names_moonshot else None  # their own integration is fine
    if "moonshot" in host or "kimi" in host or "moonshoot" in host:
        return verdict.problem  # meant Moonshot, got the host wrong
    return None


def _check_urls(file: _File) -> Iterator[Finding | None]:
    for match in _URL.finditer(file.text):
        url = match.group(0).rstrip(".,;:!?*")
        line_no, _ = file.position(match.start())
        problem = _url_problem(url, file.line(line_no))
        if problem:
            fix = classify_base_url(url).fix or ""
            yield file.finding(match.start(), "base-url", problem, fix)


def _candidates(file: _File, env_like: bool) -> Iterator[tuple[int, str]]:
    """(offset, string) for every quoted string, and unquoted config values, that names Kimi."""
    seen: set[int] = set()
    matches = [(m.start(2), m.group(2)) for m in _QUOTED.finditer(file.text)]
    if env_like:
        matches += [(m.start(1), m.group(1)) for m in _UNQUOTED.finditer(file.text)]
    for offset, value in sorted(matches):
        lowered = value.lower()
        if offset in seen or ("kimi" not in lowered and "moonshot" not in lowered):
            continue
        seen.add(offset)
        if "://" in value or not _MODEL_LIKE.fullmatch(value) or _FILE_LIKE.search(value):
            continue
        yield offset, value


def _check_models(
    file: _File, env_like: bool
) -> tuple[list[Finding | None], list[tuple[int, str]]]:
    """Gateway and retired IDs; also returns (line, native ID) pairs for the sampling rule."""
    findings: list[Finding | None] = []
    natives: list[tuple[int, str]] = []
    moonshot_file = _MOONSHOT_FILE.search(file.text) is not None
    for offset, value in _candidates(file, env_like):
        verdict = classify(value)
        if verdict.native:
            natives.append((file.position(offset)[0], value))
            entry = standing(value).retired  # the line-up check-model and --models use
            if entry is not None:
                findings.append(file.finding(
                    offset, "retired-model",
                    f"'{value}' was retired (by {entry.retired_on.isoformat()}) and now "
                    "answers 404 resource_not_found_error.",
                    f"Use '{entry.replacement}' (source: {entry.source}).",
                ))  # fmt: skip
        elif moonshot_file and (verdict.native_equivalent or verdict.gateway == KIMI_CODE):
            instead = f"Use '{verdict.suggestion}'" if verdict.suggestion else "Use an ID"
            findings.append(file.finding(
                offset, "gateway-model-id",
                f"'{value}' is a model ID for {verdict.gateway or 'a gateway'}, not Moonshot's, "
                "but this file calls Moonshot's API (its base URL or MOONSHOT_API_KEY).",
                f"{instead} from GET /v1/models, or call the gateway with its own base URL "
                "and key.",
            ))  # fmt: skip
            if verdict.native_equivalent:
                natives.append((file.position(offset)[0], verdict.native_equivalent))
    return findings, natives


def _fixed_values(model: str) -> dict[str, set[float]] | None:
    """The allowed values of the fixed sampling parameters (kimi-api.md §3.2), if any.

    kimi-k2.5 and newer fix temperature (1.0 thinking / 0.6 not; 1.0 only from k2.7),
    top_p 0.95, n 1 and both penalties 0. Kept small and local on purpose.
    """
    match = re.match(r"kimi-k(\d+)(?:\.(\d+))?(?![\w.])", model)
    if match is None:
        return None
    version = (int(match[1]), int(match[2] or 0))
    if version < (2, 5):
        return None
    temperature = {0.6, 1.0} if version < (2, 7) else {1.0}
    return {"temperature": temperature, "top_p": {0.95}, "n": {1.0},
            "presence_penalty": {0.0}, "frequency_penalty": {0.0}}  # fmt: skip


def _fmt(values: set[float]) -> str:
    return " or ".join(f"{v:g}" for v in sorted(values))


def _check_params(file: _File, natives: list[tuple[int, str]]) -> Iterator[Finding | None]:
    for match in _PARAM.finditer(file.text):
        group = next(g for g in ("name", "n", "n2") if match[g])
        raw = match[group]
        name = _PARAM_NAMES.get(raw, raw)
        value = float(match["value"] or match["nvalue"] or match["nvalue2"] or match["nvalue3"])
        offset = match.start(group)
        line_no, _ = file.position(offset)
        near = [(abs(line - line_no), model) for line, model in natives]
        near = [pair for pair in near if pair[0] <= _NEAR]
        if not near:
            continue
        model = min(near)[1]
        fixed = _fixed_values(model)
        if fixed is not None and value not in fixed[name]:
            yield file.finding(
                offset, "sampling-param",
                f"{raw}={value:g} is not allowed for {model}: the API answers 400 "
                f"(only {_fmt(fixed[name])} is accepted).",
                f"Remove {raw} (or set it to {_fmt(fixed[name])}); the model fixes it.",
            )  # fmt: skip
        elif name == "temperature" and value > 1:
            yield file.finding(
                offset, "sampling-param",
                f"temperature={value:g} is above 1, but Kimi's range is [0, 1] (OpenAI's is "
                "[0, 2]).",
                "Use a temperature between 0 and 1.",
            )  # fmt: skip


def _check_keys(file: _File) -> Iterator[Finding | None]:
    for match in _KEY.finditer(file.text):
        yield file.finding(
            match.start(), "hardcoded-key",
            "An API key (sk-…) is written into this file.", _KEY_FIX,
        )  # fmt: skip


def scan_text(display: str, text: str) -> list[Finding]:
    """Every finding in one file's text; `display` is the path shown in findings."""
    file = _File(display, text)
    found: list[Finding | None] = []
    if "http" in text:
        found += _check_urls(file)
    lowered = text.lower()
    if "kimi" in lowered or "moonshot" in lowered:
        name = os.path.basename(display).lower()
        env_like = name.startswith(".env") or name.endswith(_ENV_LIKE)
        models, natives = _check_models(file, env_like)
        found += models
        if natives:
            found += _check_params(file, natives)
    if "sk-" in text:
        found += _check_keys(file)
    found += (
        file.finding_at(s.line, s.column, "tool-schema", s.message, s.fix, s.severity)
        for s in tool_schema.scan(display, text)
    )
    return sorted(f for f in found if f is not None)


def lint_paths(paths: Iterable[str | os.PathLike[str]]) -> LintResult:
    """Scan every file under `paths` (see `walk`); raises `UsageError` for a missing path."""
    result = LintResult()
    for path, root in iter_files(paths):
        text = read_text(path)
        if text is None:
            continue
        result.files_scanned += 1
        display = os.path.relpath(path, root) if root else path
        result.findings += scan_text(display.replace(os.sep, "/"), text)
    return result
