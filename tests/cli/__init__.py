"""Tests of the command line and the library API as a whole (exporter.cli, exporter.api)."""
