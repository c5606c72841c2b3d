"""Tests of exporter.batch."""
