"""The suite's library: the requests its checks send (`payloads`), the answers several
checks share (`exchanges`) and the assertion helpers they judge with (`asserts`).

Imported by the test modules in `conformance/suite/`; pytest rewrites its asserts.
"""
