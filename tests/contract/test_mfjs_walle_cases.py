"""Agreement with the reference: every case of walle's validator suites gets walle's
verdict, and every invalid case's first error contains walle's expected substring.

The cases are vendored under tests/data/mfjs/ (MIT, see SOURCE.md there) and run the way
walle's own test runs them: the default level's checks with the documented depth limit
of 5 (`mfjs.WALLE_SUITE`). A case this module cannot match goes into `UNMATCHED` with
the reason; it then runs as a strict xfail, so fixing it is noticed too.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.contract import mfjs

CASES = Path(__file__).parent.parent / "data" / "mfjs" / "validator_cases"

# "<suite>/<valid|invalid>/<line>": why this module cannot agree with walle there.
UNMATCHED: dict[str, str] = {}


def _cases():
    for suite in sorted(p for p in CASES.iterdir() if p.is_dir()):
        for number, line in enumerate((suite / "valid.jsonl").read_text().splitlines()):
            if line.strip():
                yield f"{suite.name}/valid/{number}", line, None
        for number, line in enumerate((suite / "invalid.jsonl").read_text().splitlines()):
            if line.strip():
                case = json.loads(line)
                yield f"{suite.name}/invalid/{number}", case["schema"], case


ALL = list(_cases())


def _marks(case_id):
    if case_id in UNMATCHED:
        return [pytest.mark.xfail(reason=UNMATCHED[case_id], strict=True)]
    return []


def test_every_case_is_here():
    """The files' count (SOURCE.md): 395 cases, 213 valid and 182 invalid, in 16 suites."""
    valid = [c for c in ALL if c[2] is None]
    assert (len(ALL), len(valid)) == (395, 213)
    assert len({c[0].split("/")[0] for c in ALL}) == 16


@pytest.mark.parametrize(
    ("schema", "case"),
    [pytest.param(text, case, id=case_id, marks=_marks(case_id)) for case_id, text, case in ALL],
)
def test_walle_case(schema, case):
    errors = [v for v in mfjs.check_json(schema, limits=mfjs.WALLE_SUITE, documented=None)]
    assert all(v.is_error for v in errors), "no warnings without documented limits"
    if case is None:
        assert errors == [], f"walle accepts this schema; got {[str(e) for e in errors]}"
        return
    assert errors, f"walle rejects this schema ({case['expect']!r}); accepted"
    first = str(errors[0])
    assert case["expect"].lower() in first.lower(), (
        f"walle's error contains {case['expect']!r}; the first error here is {first!r}"
    )
    # An unmarshal error (text that is not a JSON object) has no schema path.
    assert (errors[0].path is None) == case["unmarshal"], first
