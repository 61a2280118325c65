"""The public schemas API, stable across releases: `from conformance import schemas`.

It lives in `conformance.contract.schemas` (the contract layer); this module is its
public name and re-exports exactly its `__all__`.
"""

from conformance.contract.schemas import (
    SCHEMA_BASE,
    Violation,
    bundle,
    check,
    describe,
    invariants,
    load,
    names,
    registry,
    validator,
)

__all__ = [
    "SCHEMA_BASE",
    "Violation",
    "bundle",
    "check",
    "describe",
    "invariants",
    "load",
    "names",
    "registry",
    "validator",
]
