"""The contract: what Moonshot documents, as data and pure functions over it.

Schemas of every documented shape, the model line-up and its per-model rules, retired
IDs, gateway IDs, base URLs, the batch state machine, the rules of a stream and of a
tool call. Depends on nothing else in the package (but `errors` and `_resources`), so
the emulator, the suite and the tools all judge by the same rules.
"""
