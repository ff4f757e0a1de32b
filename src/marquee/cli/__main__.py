"""``python -m marquee.cli``: the same as the ``marquee`` command."""

from marquee.cli.app import main

main()
