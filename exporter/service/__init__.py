"""The HTTP service: every role's PDF and DOCX on demand (``exporter serve``).

Needs the ``serve`` extra (``pip install 'exporter[serve]'``). :func:`create_app`
builds the ASGI application; :mod:`exporter.service.server` runs it under uvicorn.
"""

from exporter.service.app import create_app

__all__ = ["create_app"]
