"""Shared configuration of the project's own tests.

Many tests run the shipped suite with pytester *in-process*; each such run forgets the
modules it imported when it ends. Two kinds of module must not be forgotten, so they
are imported here, once for the whole session:

- `yaml`: PyYAML's C extension keeps references to the classes of its first import, and
  a fresh `yaml` then fails in the C emitter ("expected SCALAR, ...");
- our own modules: a run that re-imported, say, `conformance.errors` while
  `conformance.run.config` kept the old one would raise a `UsageError` that the plugin's
  `except UsageError` no longer recognises.
"""

import importlib
import pkgutil
from collections.abc import Iterable

import yaml  # noqa: F401  (see above)

import conformance

# Not the suite (pytest collects it), nor the Hypothesis strategies (they touch
# Hypothesis' storage at import time, which Hypothesis warns about in a conftest).
_SKIPPED = ("conformance.suite", "conformance.__main__", "conformance.strategies")


def _import_all(package_path: Iterable[str], prefix: str) -> None:
    for module in pkgutil.iter_modules(package_path, prefix):
        if module.name.startswith(_SKIPPED):
            continue
        imported = importlib.import_module(module.name)
        if module.ispkg:
            _import_all(imported.__path__, module.name + ".")


_import_all(conformance.__path__, "conformance.")

# pytester runs the shipped suite (and generated test files) in-process.
pytest_plugins = ("pytester",)
