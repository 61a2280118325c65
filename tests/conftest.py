"""Shared configuration of the project's own tests."""

# PyYAML's C extension keeps references to the `yaml` classes of its first import. An
# in-process pytester run that imported `yaml` would drop those modules when it ends,
# and the next run's fresh `yaml` then fails in the C emitter ("expected SCALAR, ...").
# Importing it here keeps one `yaml` for the whole session.
import yaml  # noqa: F401

# pytester runs the shipped suite (and generated test files) in-process.
pytest_plugins = ("pytester",)
