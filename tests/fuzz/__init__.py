"""Fuzz targets for the code that reads untrusted input (see ``targets.py`` and the README)."""
