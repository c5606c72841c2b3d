"""The service's page template, stylesheet and script (package data, not code)."""
