"""Marquee: a self-hosted streaming platform with a production-grade recommender."""

__version__ = "0.1.0"
