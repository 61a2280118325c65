"""The one walker of exception chains (`chain`, `find`), which the categories and the
budget-skip reasons are both read through."""

from __future__ import annotations

from conformance.run.budget import BudgetExhausted
from conformance.run.outcomes import categorize, chain, find


def _raised(make):  # the exception `make` raises, with its chain as Python built it
    try:
        make()
    except BaseException as exc:
        return exc
    raise AssertionError("nothing raised")


def _from(outer: BaseException, inner: BaseException, *, suppress: bool = False):
    def make():
        try:
            raise inner
        except BaseException:
            if suppress:
                raise outer from None
            raise outer  # noqa: B904 -- the implicit __context__ is what is tested

    return _raised(make)


def test_the_chain_follows_causes_and_contexts() -> None:
    inner = ValueError("inner")
    explicit = RuntimeError("outer")
    explicit.__cause__ = inner
    assert list(chain(explicit)) == [explicit, inner]
    implicit = _from(RuntimeError("outer"), inner)
    assert [type(e) for e in chain(implicit)] == [RuntimeError, ValueError]


def test_shown_stops_where_python_stops_printing() -> None:
    hidden = _from(RuntimeError("outer"), ValueError("inner"), suppress=True)
    assert [type(e) for e in chain(hidden)] == [RuntimeError, ValueError]
    assert [type(e) for e in chain(hidden, shown=True)] == [RuntimeError]


def test_a_loop_is_walked_once() -> None:
    a, b = ValueError("a"), ValueError("b")
    a.__context__, b.__context__ = b, a
    assert list(chain(a)) == [a, b]


def test_find_gives_the_first_of_a_kind_anywhere_in_the_chain() -> None:
    spent = BudgetExhausted("request cap reached (80 of --max-requests 80)")
    wrapped = _from(RuntimeError("the SDK wrapped it"), spent)
    assert find(wrapped, BudgetExhausted) is spent
    assert find(wrapped, KeyError) is None
    assert categorize(wrapped) == "budget"
