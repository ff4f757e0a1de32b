"""Ranking: profile taste, and (later) the multi-objective ranker and serving configurations."""
