"""The reference emulator of the Moonshot API: one core, several adapters."""
