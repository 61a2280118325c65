"""Keep the HTTP stack's modules for the whole session.

Runs of the shipped suite through pytester (in-process) forget the modules they
imported. `openai` and the `httpcore2`/`h11` layers under httpx2 are imported lazily, so
a later run would re-import them while httpx2 (kept by tests/conftest.py) still maps
the old classes: exceptions would then escape httpx2's mapping, which no real run sees.
"""

import h11  # noqa: F401
import httpcore2  # noqa: F401
import openai  # noqa: F401
