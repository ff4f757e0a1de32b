"""Recommendation models and their offline evaluation: data snapshots, candidates, metrics."""
