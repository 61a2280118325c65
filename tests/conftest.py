"""Shared configuration of the project's own tests."""

# PyYAML's C extension keeps references to the `yaml` classes of its first import. An
# in-process pytester run that imported `yaml` would drop those modules when it ends,
# and the next run's fresh `yaml` then fails in the C emitter ("expected SCALAR, ...").
# Importing it here keeps one `yaml` for the whole session.
# Likewise for our own modules: an in-process run that re-imported, say,
# conformance.errors while conformance.config kept the old one would raise a
# UsageError that the plugin's `except UsageError` no longer recognises.
import importlib
import pkgutil

import conformance

# (not the suite, which pytest collects, nor the Hypothesis strategies, which draw on
# Hypothesis' storage at import time: Hypothesis warns about that in conftests)
_SKIPPED = ("conformance.suite", "conformance.__main__", "conformance.strategies")


def _import_all(package_path: list[str], prefix: str) -> None:
    for module in pkgutil.iter_modules(package_path, prefix):
        if module.name.startswith(_SKIPPED):
            continue
        imported = importlib.import_module(module.name)
        if module.ispkg:
            _import_all(imported.__path__, module.name + ".")


_import_all(conformance.__path__, "conformance.")

# pytester runs the shipped suite (and generated test files) in-process.
pytest_plugins = ("pytester",)
