"""Recording: vcrpy's configuration for the replay target (`cassettes`) and the scrubber
that keeps secrets out of everything written or shown (`scrub`)."""
