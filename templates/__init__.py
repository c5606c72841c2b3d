"""The bundled report templates, shipped as package data (exporter.templates)."""
