"""`kimi-conformance drift`: what changed in Moonshot's API, as a list of `Change` records.

Three sources, one module each: `spec` (a newly published OpenAPI document against the
vendored one), `models` (two `GET /v1/models` responses), `responses` (live recordings
against the shipped cassettes). `report` renders the records as Markdown or JSON.
"""

from __future__ import annotations

from conformance._write import write_atomic
from conformance.drift.change import Change, FailOn, Severity, Source, fails
from conformance.drift.models import compare_models, load_models, model_fate
from conformance.drift.report import render_json, render_markdown
from conformance.drift.responses import compare_cassettes, compare_recordings, compare_structures
from conformance.drift.spec import compare_spec_files, compare_specs

__all__ = [
    "Change",
    "FailOn",
    "Severity",
    "Source",
    "compare_cassettes",
    "compare_models",
    "compare_recordings",
    "compare_spec_files",
    "compare_specs",
    "compare_structures",
    "fails",
    "load_models",
    "model_fate",
    "render_json",
    "render_markdown",
    "write_atomic",
]
