"""Tests of exporter.render."""
