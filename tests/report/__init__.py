"""Tests of exporter.report."""
