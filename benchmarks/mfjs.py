"""How fast `conformance.contract.mfjs` judges schemas (goal: >= 20,000 typical tool
schemas/s on one core).

    python benchmarks/mfjs.py [--seconds 1.0]

Three corpora, each timed in CPU time of this one process, so the figure is the rate on
one core even on a busy machine (best of five rounds of at least `--seconds`):

- walle's own validator cases (tests/data/mfjs, 395 schemas, valid and invalid), as JSON
  text through `check_json` (parsing included);
- typical tool schemas: the `parameters` pydantic 2 generates (`model_json_schema()`) for
  twelve argument models of the kind agents declare (search, files, calendar, tickets,
  nested and optional fields, enums, lists), through `check`;
- large tool lists: 128 tools (the most the older spec allowed) mixing those with the
  MCP, zod-to-json-schema and pydantic tools of the lint fixture project
  (tests/data/lint_project), each list through `check_document` (names included).

Prints one line per corpus: schemas per second (and lists per second for the last).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from conformance.contract import mfjs

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "data" / "mfjs" / "validator_cases"
LINT = ROOT / "tests" / "data" / "lint_project"


# --- typical tool arguments, as pydantic models ----------------------------------------


class Unit(str, Enum):
    celsius = "celsius"
    fahrenheit = "fahrenheit"


class WebSearch(BaseModel):
    query: str = Field(description="What to search for")
    max_results: int = Field(5, ge=1, le=20, description="How many results")
    site: str = Field("", description="Restrict to one site, empty for all")


class GetWeather(BaseModel):
    city: str = Field(description="City name, e.g. Paris")
    unit: Unit = Unit.celsius
    days: int = Field(1, ge=1, le=14)


class ReadFile(BaseModel):
    path: str = Field(description="Path relative to the workspace")
    start_line: int = Field(1, ge=1)
    end_line: int = Field(-1, description="-1 for the end of the file")


class Attendee(BaseModel):
    email: str
    optional: bool = False


class CreateEvent(BaseModel):
    title: str
    start: str = Field(description="ISO 8601 date-time")
    duration_minutes: int = Field(30, ge=5, le=1440)
    attendees: list[Attendee] = Field(default_factory=list)
    location: str = ""


class Label(BaseModel):
    name: str
    color: Literal["red", "green", "blue", "gray"] = "gray"


class CreateTicket(BaseModel):
    project: str
    summary: str = Field(description="One line")
    body: str = ""
    priority: Literal["low", "medium", "high", "urgent"] = "medium"
    labels: list[Label] = Field(default_factory=list)


class RunQuery(BaseModel):
    sql: str = Field(description="One read-only SQL statement")
    database: Literal["analytics", "billing", "users"] = "analytics"
    limit: int = Field(100, ge=1, le=10_000)


class SendMessage(BaseModel):
    channel: str
    text: str
    thread: str = Field("", description="Reply in this thread")


class Address(BaseModel):
    street: str
    city: str
    postcode: str
    country: str = Field(description="ISO 3166 alpha-2")


class Customer(BaseModel):
    name: str
    email: str
    address: Address
    tags: list[str] = Field(default_factory=list)


class UpsertCustomer(BaseModel):
    customer: Customer
    merge: bool = True


class Resize(BaseModel):
    width: int = Field(ge=1)
    height: int = Field(ge=1)
    keep_ratio: bool = True


class EditImage(BaseModel):
    image_id: str
    operations: list[Resize]
    output_format: Literal["png", "jpeg", "webp"] = "png"


class Translate(BaseModel):
    text: str
    source: str = Field("auto", description="Language code or auto")
    target: str = Field(description="Language code")
    formality: Literal["default", "more", "less"] = "default"


class Step(BaseModel):
    action: Literal["click", "type", "scroll", "wait"]
    selector: str = ""
    value: str = ""


class BrowserTask(BaseModel):
    url: str
    steps: list[Step]
    screenshot: bool = False


MODELS: list[type[BaseModel]] = [
    WebSearch, GetWeather, ReadFile, CreateEvent, CreateTicket, RunQuery, SendMessage,
    UpsertCustomer, EditImage, Translate, BrowserTask, Customer,
]  # fmt: skip


def typical_schemas() -> list[dict[str, Any]]:
    return [model.model_json_schema() for model in MODELS]


def _tool(name: str, parameters: dict[str, Any]) -> dict[str, Any]:
    return {"type": "function", "function": {"name": name, "parameters": parameters}}


def fixture_tools() -> list[dict[str, Any]]:
    tools: list[dict[str, Any]] = []
    for path in sorted((LINT / "tools").glob("*.json")):
        tools += json.loads(path.read_text())
    tools += json.loads((LINT / "mcp" / "tools_list.json").read_text())["tools"]
    return tools


def large_list(size: int = 128) -> list[dict[str, Any]]:
    pool = [_tool(m.__name__.lower(), s) for m, s in zip(MODELS, typical_schemas(), strict=True)]
    pool += fixture_tools()
    tools = []
    for i in range(size):
        tool = json.loads(json.dumps(pool[i % len(pool)]))  # distinct objects, like a parse
        if "function" in tool:
            tool["function"]["name"] = f"{tool['function']['name']}_{i}"
        else:
            tool["name"] = f"{tool['name']}_{i}".replace(".", "_")
        tools.append(tool)
    return tools


def walle_cases() -> list[str]:
    texts = []
    for suite in sorted(CASES.iterdir()):
        if suite.is_dir():
            texts += [line for line in (suite / "valid.jsonl").read_text().splitlines() if line]
            texts += [
                json.loads(line)["schema"]
                for line in (suite / "invalid.jsonl").read_text().splitlines()
                if line
            ]
    return texts


def rate(items: list[Any], judge: Callable[[Any], Any], seconds: float) -> float:
    """Items judged per CPU-second of this process (the rate on one free core, whatever
    else the machine runs): the best of five rounds of at least `seconds` each."""
    best = 0.0
    for _ in range(5):
        done, started = 0, time.process_time()
        while True:
            for item in items:
                judge(item)
            done += len(items)
            elapsed = time.process_time() - started
            if elapsed >= seconds:
                break
        best = max(best, done / elapsed)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="minimum time per round")
    args = parser.parse_args()

    cases = walle_cases()
    per_case = rate(cases, mfjs.check_json, args.seconds)
    print(f"mfjs walle cases: {len(cases)} schemas, {per_case:,.0f} schemas/s (check_json)")

    typical = typical_schemas()
    valid = sum(mfjs.is_valid(s) for s in typical)
    per_schema = rate(typical, mfjs.check, args.seconds)
    print(
        f"mfjs typical tool schemas: {len(typical)} pydantic-generated ({valid} valid MFJS), "
        f"{per_schema:,.0f} schemas/s (check)"
    )

    tools = large_list()
    per_list = rate([tools], mfjs.check_document, args.seconds)
    print(
        f"mfjs large tool lists: {len(tools)} tools each, {per_list:,.1f} lists/s = "
        f"{per_list * len(tools):,.0f} tool schemas/s (check_document)"
    )
    print(f"measured {dt.datetime.now(dt.timezone.utc):%Y-%m-%d}, per CPU-second of one process")


if __name__ == "__main__":
    main()
