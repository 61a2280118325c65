"""Shared configuration of the project's own tests."""

# pytester runs the shipped suite (and generated test files) in-process.
pytest_plugins = ("pytester",)
