"""Where the package's data lives: `schemas/` and `cassettes/`; and the suite's folder.

They sit at the top of the checkout and are copied into `conformance/_data/` in the
wheel. Lookup order, like jsonschema's test-suite finder: an environment variable,
then the installed package data, then the checkout; otherwise a `ResourceNotFound`
that says how to fix it.
"""

from __future__ import annotations

import functools
import os
from importlib import resources
from pathlib import Path

from conformance.errors import ResourceNotFound

_CHECKOUT = Path(__file__).resolve().parent.parent

# The shipped conformance suite: its test modules, conftest and suite.ini.
SUITE_DIR = Path(__file__).resolve().parent / "suite"

_ENV = {
    "schemas": "KIMI_CONFORMANCE_SCHEMAS",
    "cassettes": "KIMI_CONFORMANCE_CASSETTES",
}


def data_dir(kind: str) -> Path:
    """Return the directory holding the package's `kind` data ("schemas" or "cassettes")."""
    return _locate(kind, os.environ.get(_ENV[kind]) or None)


@functools.lru_cache(maxsize=32)
def _locate(kind: str, override: str | None) -> Path:
    """Cached per environment value: validation asks for schemas_dir() on every document,
    and the lookup (several stat calls) would otherwise cost more than validating."""
    env_var = _ENV[kind]
    if override:
        path = Path(override)
        if not path.is_dir():
            raise ResourceNotFound(
                f"{env_var}={override!s} is not a directory; point it at a {kind}/ folder "
                f"or unset it"
            )
        return path
    installed = resources.files("conformance") / "_data" / kind
    if installed.is_dir():
        return Path(str(installed))
    checkout = _CHECKOUT / kind
    if checkout.is_dir():
        return checkout
    raise ResourceNotFound(
        f"cannot find the {kind}/ folder of kimi-conformance; reinstall the package "
        f"(pip install --force-reinstall kimi-conformance) or set {env_var}"
    )


def is_installed_data(path: Path) -> bool:
    """True when `path` is data shipped inside the installed package (site-packages):
    never a place to write to."""
    package_data = Path(str(resources.files("conformance"))) / "_data"
    return Path(path).resolve().is_relative_to(package_data.resolve())


def schemas_dir() -> Path:
    return data_dir("schemas")


def cassettes_dir() -> Path:
    return data_dir("cassettes")


def keep_hypothesis_out_of(project: Path) -> Path | None:
    """Send Hypothesis' caches to the user's cache folder instead of `project/.hypothesis`.

    Hypothesis writes `unicode_data/` and `constants/` under `./.hypothesis` even with no
    example database, as soon as a strategy needs them (drawing text is enough). Unless
    the project already has that folder (it uses Hypothesis itself), they go to
    `$XDG_CACHE_HOME/kimi-conformance/hypothesis`; returns that folder, or None when
    nothing was changed. Must run before the strategies are imported.
    """
    from hypothesis.configuration import set_hypothesis_home_dir

    if (project / ".hypothesis").exists():
        return None
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    home = cache / "kimi-conformance" / "hypothesis"
    set_hypothesis_home_dir(home)
    return home
