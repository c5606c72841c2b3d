"""Equal input gives equal bytes: across renders, across processes, whatever came before."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import pytest

from exporter import api, load_role
from tests.conftest import ROLE_FILES

SCRIPT = """
import hashlib, sys
from exporter import load_role, render_pdf, render_docx
role = load_role(sys.argv[1])
print(hashlib.sha256(render_pdf(role)).hexdigest(), hashlib.sha256(render_docx(role)).hexdigest())
"""


@pytest.mark.slow
def test_same_bytes_in_another_process_after_other_roles(role):
    for other in ROLE_FILES:  # render other roles first: no state may leak into the output
        api.render_pdf(load_role(other))
    here = (
        hashlib.sha256(api.render_pdf(role)).hexdigest(),
        hashlib.sha256(api.render_docx(role)).hexdigest(),
    )
    path = next(p for p in ROLE_FILES if p.stem == role.slug)
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(path)], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert tuple(result.stdout.split()) == here
