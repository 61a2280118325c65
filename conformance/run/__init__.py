"""Running the suite: settings, one run and its target, the metered wire (transport,
clients, budget, pacing), cleanup of what a run created, and the verdicts and reports.

Knows nothing of pytest; `conformance.plugin` drives it.
"""
