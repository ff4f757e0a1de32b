"""A/B experiments: definitions, deterministic assignment with a permanent holdout, exposure
on impressions, and per-variant analysis with confidence intervals and a sequential test."""
