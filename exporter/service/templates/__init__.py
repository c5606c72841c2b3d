"""The service's and the preview's page templates (package data, not code)."""
