"""Offline evaluation: dataset loaders, protocols, full-ranking metrics, tuning and reports."""
