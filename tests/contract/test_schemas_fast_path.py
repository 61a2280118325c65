"""`schemas.check` trusts the compiled fastjsonschema verdict for documents it accepts;
that is only sound if the verdicts agree with jsonschema's. Shown on every documented
example and every generated mutation (tests/test_schema_documents.py)."""

from __future__ import annotations

import pytest

from conformance.contract import schemas
from tests.contract.test_schema_documents import EXAMPLE_DOCS, MUTATIONS


def _cases():
    for name, what, document in EXAMPLE_DOCS:
        yield pytest.param(name, document, id=f"{name}/{what}")
    for param in MUTATIONS:
        name, document, _path = param.values
        yield pytest.param(name, document, id=f"{param.id}")


@pytest.mark.parametrize(("name", "document"), list(_cases()))
def test_fast_verdict_agrees_with_jsonschema(name, document):
    assert schemas._fast_verdict(name, document) == schemas.validator(name).is_valid(document)


def test_check_takes_the_fast_path_only_for_accepted_documents(monkeypatch):
    calls = []
    real = schemas.validator

    def spy(name):
        calls.append(name)
        return real(name)

    monkeypatch.setattr(schemas, "validator", spy)
    assert schemas.check("error", {"error": {"message": "m", "type": "t"}}) == []
    assert calls == []  # accepted: jsonschema was not needed
    assert schemas.check("error", {"error": {"type": "t"}})[0].rule == "required"
    assert calls == ["error"]  # rejected: jsonschema explains
