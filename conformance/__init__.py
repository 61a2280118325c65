"""kimi-conformance: conformance and smoke tests for the Kimi (Moonshot AI) API.

The public surface is small on purpose; everything else is an implementation detail.
Heavy modules (the emulator, the validators, the clients) are imported when first used,
so importing this package (and loading the pytest plugin) costs other test runs nothing.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
