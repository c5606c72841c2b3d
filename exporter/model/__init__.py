"""The data the exporter works on, as validated values: roles (schema, files, character
policy, output names), countries, the brand and its fonts. No rendering here.
"""
