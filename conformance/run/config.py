"""The suite's settings, resolved once per run.

Precedence, for every setting: **command-line option > environment variable > default**.
This is the one place where it is merged. The API key is the exception: it is read from
`MOONSHOT_API_KEY` only, never from an option, because command lines leak into process
lists and CI logs.

| setting        | option             | environment variable | default                      |
|----------------|--------------------|----------------------|------------------------------|
| target         | `--target`/`--live`| `KIMI_TARGET`        | `replay`                     |
| base URL       | `--base-url`       | `MOONSHOT_BASE_URL`  | `https://api.moonshot.ai/v1` |
| model          | `--model`          | `KIMI_MODEL_ID`      | chosen from `GET /models`    |
| models         | `--models`         | `KIMI_MODELS`        | the one model above          |
| token ceiling  | `--budget-tokens`  | `KIMI_BUDGET_TOKENS` | 18000                        |
| request cap    | `--max-requests`   | `KIMI_MAX_REQUESTS`  | 90                           |
| pacing         | `--rpm`            | `KIMI_RPM`           | none                         |
| JSON report    | `--report-json`    | —                    | none                         |
| Markdown report| `--report-markdown`| —                    | none                         |
| fuzz examples  | `--fuzz-examples`  | `KIMI_FUZZ_EXAMPLES` | per target; 0: no fuzzing    |
| profile        | `--profile`        | `KIMI_PROFILE`       | `full` (`smoke`: core only)  |
| partial runs   | `--allow-partial`  | —                    | off (budget skips fail)      |
| `$web_search`  | `--web-search`     | —                    | off (billed per call)        |
| drift report   | `--drift`          | —                    | off                          |
| recordings     | `--cassettes DIR`  | `KIMI_CONFORMANCE_CASSETTES` | the shipped `cassettes/` |
| record mode    | `--record-mode`    | —                    | `none` (pytest-recording's)  |
| strict rules   | `--strict-rules`   | —                    | off (advice/inferred observed)|
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.errors import UsageError

TARGETS = ("replay", "emulator", "live")
PROFILES = ("full", "smoke")
DEFAULT_BASE_URL = "https://api.moonshot.ai/v1"
DEFAULT_BUDGET_TOKENS = 18000
DEFAULT_MAX_REQUESTS = 90
KEY_ENV = "MOONSHOT_API_KEY"


class Secret:
    """A string that never shows itself in a repr, a log line or an f-string."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('<redacted>')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)


@dataclass(frozen=True)
class Settings:
    target: str = "replay"
    base_url: str = DEFAULT_BASE_URL
    model: str | None = None
    models: str | None = None  # `all` or `ID,ID` (see conformance.run.matrix)
    budget_tokens: int = DEFAULT_BUDGET_TOKENS
    max_requests: int = DEFAULT_MAX_REQUESTS
    rpm: float | None = None
    report_json: Path | None = None
    report_markdown: Path | None = None
    api_key: Secret | None = None
    fuzz_examples: int | None = None  # None: the target's default profile; 0: off
    web_search: bool = False
    drift: bool = False
    profile: str = "full"
    allow_partial: bool = False
    cassettes: Path | None = None  # the user's own recordings; None: the shipped ones
    record_mode: str = "none"
    strict: bool = False  # advice and inferred rules fail the run too
    # Where each setting came from ("option", "env" or "default"), for the report.
    sources: Mapping[str, str] = field(default_factory=dict)


# setting -> (environment variable, default, parser)
def _positive_int(name: str, value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise UsageError(f"{name} must be a whole number, got {value!r}") from None
    if number < 0:
        raise UsageError(f"{name} must not be negative, got {number}")
    return number


def _positive_float(name: str, value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise UsageError(f"{name} must be a number, got {value!r}") from None
    if number <= 0:
        raise UsageError(f"{name} must be positive, got {value}")
    return number


def _one_of(choices: tuple[str, ...]) -> Any:
    def parse(name: str, value: str) -> str:
        if value not in choices:
            raise UsageError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
        return value

    return parse


_target = _one_of(TARGETS)


_ENV: dict[str, tuple[str, Callable[[str, str], Any]]] = {
    "target": ("KIMI_TARGET", _target),
    "base_url": ("MOONSHOT_BASE_URL", lambda _n, v: v.strip()),
    "model": ("KIMI_MODEL_ID", lambda _n, v: v),
    "models": ("KIMI_MODELS", lambda _n, v: v),
    "budget_tokens": ("KIMI_BUDGET_TOKENS", _positive_int),
    "max_requests": ("KIMI_MAX_REQUESTS", _positive_int),
    "rpm": ("KIMI_RPM", _positive_float),
    "fuzz_examples": ("KIMI_FUZZ_EXAMPLES", _positive_int),
    "profile": ("KIMI_PROFILE", _one_of(PROFILES)),
}


def resolve(options: Mapping[str, Any], environ: Mapping[str, str]) -> Settings:
    """Merge command-line `options` (None = not given) with `environ` and the defaults.

    `options` keys are the `Settings` field names; the option `--live` arrives as
    `target="live"`. Raises `UsageError` with a one-line message for malformed values.
    """
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for name, (env_var, parse) in _ENV.items():
        option = options.get(name)
        if option is not None:
            values[name] = parse(f"--{name.replace('_', '-')}", str(option))
            sources[name] = "option"
        elif environ.get(env_var, "").strip():
            values[name] = parse(env_var, environ[env_var])
            sources[name] = "env"
        else:
            sources[name] = "default"
    for name in ("report_json", "report_markdown"):
        if options.get(name):
            values[name] = Path(options[name])
    for name in ("web_search", "drift", "allow_partial", "strict"):
        values[name] = bool(options.get(name))
    cassettes = options.get("cassettes") or environ.get("KIMI_CONFORMANCE_CASSETTES", "").strip()
    if cassettes:
        values["cassettes"] = Path(cassettes).expanduser()
    if options.get("record_mode"):
        values["record_mode"] = str(options["record_mode"])
    both = values.get("model") is not None and values.get("models") is not None
    if both and sources["model"] != sources["models"]:
        # An option beats the other's environment variable; the same level twice is a clash.
        loser = "model" if sources["models"] == "option" else "models"
        values.pop(loser)
        sources[loser] = "default"
    if values.get("model") is not None and values.get("models") is not None:
        raise UsageError(
            "give one of --model/KIMI_MODEL_ID (one model) and --models/KIMI_MODELS "
            "(several, or 'all'), not both"
        )
    key = environ.get(KEY_ENV)
    if key:
        values["api_key"] = Secret(key)
    return Settings(**values, sources=sources)
