"""The ``marquee`` command line: one module per noun."""
