"""Ranking: profile taste, the multi-objective ranker (training sets, heads, blends)."""
