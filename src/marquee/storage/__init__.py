"""Storage: interfaces and one implementation per backend, chosen by URL in bootstrap."""
