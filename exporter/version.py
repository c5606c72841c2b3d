"""The exporter's version: part of every render's fingerprint and of the documents' metadata."""

__version__ = "0.1.0"
