"""Tests of exporter.ingest."""
