"""Tool definitions whose `parameters` are valid Moonshot-flavoured JSON Schema (MFJS).

MFJS, as the tool-use guides write it: an `object` at the root with `properties` and
`required`; leaves typed `string` (optionally `enum`), `number`/`integer` (optionally
`minimum`/`maximum`), `boolean`; `array` with `items`; nested objects; `description`
anywhere; `additionalProperties: false` allowed. The same schemas serve as
`response_format.json_schema.schema`.
"""

from __future__ import annotations

import functools
from typing import Any

from hypothesis import strategies as st

from conformance.strategies.text import function_names, identifiers, stress_text

__all__ = ["parameter_schemas", "property_names", "tools"]


@functools.cache
def property_names() -> st.SearchStrategy[str]:
    return identifiers(1, 16)


def _described(pair: tuple[dict[str, Any], str | None]) -> dict[str, Any]:
    schema, description = pair
    return schema if description is None else {**schema, "description": description}


@functools.cache
def _scalars() -> st.SearchStrategy[dict[str, Any]]:
    bounds = st.integers(-1000, 1000)
    kinds = st.one_of(
        st.just({"type": "string"}),
        st.lists(stress_text(max_size=8), min_size=1, max_size=4, unique=True).map(
            lambda values: {"type": "string", "enum": values}
        ),
        st.just({"type": "boolean"}),
        st.tuples(bounds, st.integers(0, 1000)).map(
            lambda pair: {"type": "integer", "minimum": pair[0], "maximum": pair[0] + pair[1]}
        ),
        st.just({"type": "number"}),
    )
    return st.tuples(kinds, st.none() | stress_text(max_size=24)).map(_described)


@functools.cache
def _object(children: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    fields = st.dictionaries(property_names(), children, max_size=4)

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        properties = draw(fields)
        schema: dict[str, Any] = {"type": "object", "properties": properties}
        if properties:
            schema["required"] = sorted(
                draw(st.lists(st.sampled_from(sorted(properties)), unique=True))
            )
        if draw(st.booleans()):
            schema["additionalProperties"] = False
        return schema

    return build()


@functools.cache
def parameter_schemas(max_depth: int = 2) -> st.SearchStrategy[dict[str, Any]]:
    """A tool's `parameters`: an object schema, nested at most `max_depth` levels."""
    children = _scalars()
    for _ in range(max_depth - 1):
        children = st.one_of(
            children,
            children.map(lambda items: {"type": "array", "items": items}),
            _object(children),
        )
    return _object(children)


@functools.cache
def tools(*, max_size: int = 3) -> st.SearchStrategy[list[dict[str, Any]]]:
    """`tools`: function definitions with distinct names (duplicates are a 400)."""
    function = st.builds(
        lambda name, parameters, extra: {
            "type": "function",
            "function": {"name": name, "parameters": parameters, **extra},
        },
        function_names(),
        parameter_schemas(),
        st.fixed_dictionaries(
            {}, optional={"description": stress_text(max_size=40), "strict": st.booleans()}
        ),
    )
    return st.lists(
        function, min_size=1, max_size=max_size, unique_by=lambda t: t["function"]["name"]
    )
