"""Exporting many roles to files: the render settings and their fingerprint, the plan,
worker processes and their limits, the manifest, index and zip, progress.
"""
