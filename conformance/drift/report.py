"""Render drift findings as Markdown (for `$GITHUB_STEP_SUMMARY`) or JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict

from conformance.drift.change import Change, counts, ordered

_BADGE = {"breaking": "🔴 breaking", "additive": "🟢 additive"}


def _cell(text: str) -> str:
    """Keep a table cell on one line and stop `|` or backticks from ending it early."""
    return " ".join(text.split()).replace("\\", "\\\\").replace("|", "\\|").replace("`", "'")


def render_markdown(
    changes: Sequence[Change], *, title: str = "Kimi API drift", notes: Sequence[str] = ()
) -> str:
    tally = counts(changes)
    lines = [f"## {title}", ""]
    lines.append(f"**{tally['breaking']} breaking**, {tally['additive']} additive")
    lines.append("")
    for note in notes:
        lines.append(f"> {_cell(note)}")
        lines.append("")
    if not changes:
        lines.append("No changes found.")
        return "\n".join(lines) + "\n"
    lines.append("| severity | source | where | what |")
    lines.append("|---|---|---|---|")
    for change in ordered(changes):
        lines.append(
            f"| {_BADGE[change.severity]} | {change.source} | {_cell(change.where)} "
            f"| {_cell(change.what)} |"
        )
    return "\n".join(lines) + "\n"


def render_json(changes: Sequence[Change], *, notes: Sequence[str] = ()) -> str:
    document = {
        "summary": counts(changes),
        "notes": list(notes),
        "changes": [asdict(change) for change in ordered(changes)],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
