"""``python -m exporter``: the same command as the ``exporter`` script."""

from exporter.cli import main

main()
