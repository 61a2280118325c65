"""The conformance suite itself: pytest modules shipped inside the package.

Run it with `kimi-conformance run` or `pytest --pyargs conformance.suite`.
"""
