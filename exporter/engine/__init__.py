"""The engine under every front door: ``exporter render``, ``batch``, ``serve`` and ``preview``.

A door plans and presents; the engine renders and writes:

- :mod:`.settings`: :class:`~.settings.Settings`, the one settings type (formats,
  brand file, PDF and DOCX options) and its fingerprint;
- :mod:`.jobs`: a :class:`~.jobs.Job` and :func:`~.jobs.render_job`, what runs in a
  worker under its time and memory limits;
- :mod:`.failures`: why a job failed, as data (:class:`~.failures.Failure`, an enum,
  and :class:`~.failures.JobFailure`, the kind and a message);
- :mod:`.executors`, :mod:`.pool` and :mod:`.slots`: the process pool, many jobs on it
  surviving dying workers (the batch), and warm workers that are
  replaced alone when they break (every executor fault becomes a typed failure);
- :mod:`.export` and :mod:`.records`: :func:`~.export.commit` writes a job's files
  atomically and returns the record a manifest keeps;
- :mod:`.claims`: the one rule that gives out output names (slugs).

The engine imports :mod:`exporter.api` and below, never a front door.
"""
