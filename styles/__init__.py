"""The bundled stylesheet, brand, logo and Word reference document (exporter.styles)."""
