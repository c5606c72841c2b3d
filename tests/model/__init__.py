"""Tests of exporter.model."""
