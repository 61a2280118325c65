"""Validation throughput: cached compiled validators vs `jsonschema.validate` per document.

Builds a corpus of at least 1,000 responses of mixed kinds from the example documents in
`tests/data/examples/<schema>/*.json` (each used as is, and perturbed: a value replaced,
a key dropped, a value retyped), then validates every document

  - with `conformance.schemas.check` (validators compiled once and cached, plus the
    documented invariants), and
  - with `jsonschema.validate(doc, schema, registry=...)`, which checks the schema against
    its metaschema and builds a validator afresh for every document.

Prints responses/second for both and the speedup. If `fastjsonschema` is installed it
also times a code-generating validator compiled from `schemas.bundle(name)`, alone
(verdict only) and as a fast path in front of `check()` (fastjsonschema says valid ->
only the invariants run; invalid -> `check()` explains why). Run:

    /work/venv/bin/python benchmarks/validation.py [--size N] [--repeat R]
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema

from conformance import schemas

EXAMPLES = Path(__file__).resolve().parent.parent / "tests" / "data" / "examples"
ODD_VALUES: list[Any] = [None, True, -1, 0, 3.5, "", "x", [], {}]


def examples() -> list[tuple[str, Any]]:
    """(schema name, document) for every response example (request bodies left out)."""
    found = []
    for path in sorted(EXAMPLES.glob("*/*.json")):
        name = path.parent.name
        if name in schemas.names() and not name.endswith(".request") and "input" not in name:
            found.append((name, json.loads(path.read_text(encoding="utf-8"))))
    if not found:
        sys.exit(f"no examples under {EXAMPLES}; run from a checkout with tests/data/examples")
    return found


def _slots(node: Any) -> list[tuple[Any, Any]]:
    """(container, key) for every value inside `node`."""
    slots = []
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in items:
        slots.append((node, key))
        if isinstance(value, (dict, list)) and value:
            slots += _slots(value)
    return slots


def perturb(document: Any, rng: random.Random) -> Any:
    doc = copy.deepcopy(document)
    slots = _slots(doc) if isinstance(doc, (dict, list)) else []
    if not slots:
        return doc
    parent, key = rng.choice(slots)
    if isinstance(parent, dict) and rng.random() < 0.3:
        del parent[key]
    else:
        parent[key] = rng.choice(ODD_VALUES)
    return doc


def corpus(size: int, seed: int = 20260817) -> list[tuple[str, Any]]:
    rng = random.Random(seed)
    base = examples()
    docs = list(base)
    while len(docs) < size:
        name, document = base[len(docs) % len(base)]
        docs.append((name, perturb(document, rng) if rng.random() < 0.7 else document))
    return docs


def cached(docs: list[tuple[str, Any]]) -> int:
    return sum(not schemas.check(name, doc) for name, doc in docs)


def afresh(docs: list[tuple[str, Any]]) -> int:
    registry = schemas.registry()
    loaded = {name: schemas.load(name) for name in {n for n, _ in docs}}
    valid = 0
    for name, doc in docs:
        try:
            jsonschema.validate(doc, loaded[name], registry=registry)
        except jsonschema.ValidationError:
            continue
        valid += 1
    return valid


def fast_paths() -> tuple[Callable[..., int], Callable[..., int]] | None:
    try:
        import fastjsonschema
    except ImportError:
        return None
    compiled = {name: fastjsonschema.compile(schemas.bundle(name)) for name in schemas.names()}

    def verdict(docs: list[tuple[str, Any]]) -> int:
        valid = 0
        for name, doc in docs:
            try:
                compiled[name](doc)
            except fastjsonschema.JsonSchemaException:
                continue
            valid += 1
        return valid

    def hybrid(docs: list[tuple[str, Any]]) -> int:
        valid = 0
        for name, doc in docs:
            try:
                compiled[name](doc)
            except fastjsonschema.JsonSchemaException:
                schemas.check(name, doc)  # the detailed, best-first violations
                continue
            valid += not schemas.invariants(name, doc)
        return valid

    return verdict, hybrid


def best_rate(run: Callable[[list[tuple[str, Any]]], int], docs: list[Any], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run(docs)
        best = min(best, time.perf_counter() - start)
    return len(docs) / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1200, help="corpus size (default 1200)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per method; best is kept")
    args = parser.parse_args()

    docs = corpus(max(args.size, 1000))
    kinds = Counter(name for name, _ in docs)
    valid_cached = cached(docs)  # warm the caches; also the agreement check below
    valid_afresh = afresh(docs)
    # check() adds invariants, so it may call a few schema-valid documents invalid.
    assert valid_cached <= valid_afresh, (valid_cached, valid_afresh)

    print(f"corpus: {len(docs)} responses, {len(kinds)} kinds, {len(examples())} examples")
    print(f"  valid: {valid_cached} by check() (schema + invariants), {valid_afresh} by schema")
    fast = best_rate(cached, docs, args.repeat)
    slow = best_rate(afresh, docs, args.repeat)
    print(f"cached compiled validators (schemas.check): {fast:12,.0f} responses/s")
    print(f"jsonschema.validate afresh per document:    {slow:12,.0f} responses/s")
    print(f"speedup: {fast / slow:.1f}x (goal >= 20x)")
    paths = fast_paths()
    if paths is None:
        print("(pip install fastjsonschema to time the code-generating fast path too)")
        return
    verdict, hybrid = paths
    assert verdict(docs) == valid_afresh and hybrid(docs) == valid_cached  # same verdicts
    for label, run in (("verdict only", verdict), ("fast path + check() details", hybrid)):
        rate = best_rate(run, docs, args.repeat)
        print(f"fastjsonschema, {label}: {rate:,.0f} responses/s ({rate / slow:.0f}x)")


if __name__ == "__main__":
    main()
