"""The service's and the preview's stylesheets and scripts (package data, not code)."""
