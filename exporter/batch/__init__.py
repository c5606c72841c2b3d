"""Exporting many roles to files: the plan, the run over a pool of workers, the
manifest's index and zip, shards of a job array, Dask, progress.

The rendering itself (settings, jobs, workers, commit, records) is the engine's
(:mod:`exporter.engine`).
"""
