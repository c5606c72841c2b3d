"""The exporter as a new user installs it: a wheel, in a fresh virtualenv, outside the checkout.

The wheel must carry the templates and styles; the installed command and library
must write byte for byte what the editable install writes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROLE_FILES, ROOT

pytestmark = pytest.mark.slow


def _run(command: list[str | Path], cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
    )
    assert result.returncode == 0, f"{command}:\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


def _hashes(folder: Path) -> dict[str, str]:
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.iterdir())
        if path.suffix in (".pdf", ".docx")
    }


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    log = _run([sys.executable, "-m", "build", "--wheel", "--outdir", out, ROOT], cwd=out)
    assert "BuildBackendWarning" not in log and "SetuptoolsDeprecationWarning" not in log, log
    (found,) = out.glob("exporter-*.whl")
    return found


def test_the_wheel_carries_templates_styles_and_the_service_page(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "exporter/templates/report.html",
        "exporter/templates/blocks/paragraph.html",
        "exporter/styles/report.css",
        "exporter/styles/brand.toml",
        "exporter/styles/reference.docx",
        "exporter/styles/logo.svg",
        "exporter/service/templates/preview.html",
        "exporter/service/assets/preview.css",
        "exporter/service/assets/preview.js",
        "exporter/render/listing/listing.html",
        "exporter/render/listing/listing.css",
        "exporter/render/listing/listing.js",
    ):
        assert required in names


def test_an_installed_wheel_renders_what_the_checkout_renders(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    _run([python, "-m", "pip", "install", "-q", wheel], cwd=tmp_path)
    elsewhere = tmp_path / "elsewhere"  # no checkout anywhere near
    elsewhere.mkdir()
    clean_env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    role = ROLE_FILES[0]

    installed_render = elsewhere / "render"
    _run(
        [env_dir / "bin" / "exporter", "render", role, "--out", installed_render],
        cwd=elsewhere,
        env=clean_env,
    )
    installed_batch = elsewhere / "batch"
    _run(
        [env_dir / "bin" / "exporter", "batch", role.parent, "--out", installed_batch, "-q"],
        cwd=elsewhere,
        env=clean_env,
    )
    script = (
        "import sys, pathlib, exporter\n"
        "from exporter import load_role, render_pdf, render_docx\n"
        "assert 'site-packages' in exporter.__file__, exporter.__file__\n"
        "role = load_role(sys.argv[1]); out = pathlib.Path(sys.argv[2]); out.mkdir()\n"
        "(out / (role.slug + '.pdf')).write_bytes(render_pdf(role))\n"
        "(out / (role.slug + '.docx')).write_bytes(render_docx(role))\n"
    )
    installed_api = elsewhere / "api"
    _run([python, "-c", script, role, installed_api], cwd=elsewhere, env=clean_env)

    checkout = tmp_path / "checkout"
    _run([sys.executable, "-m", "exporter", "render", role, "--out", checkout], cwd=ROOT)
    checkout_batch = tmp_path / "checkout-batch"
    _run(
        [sys.executable, "-m", "exporter", "batch", role.parent, "--out", checkout_batch, "-q"],
        cwd=ROOT,
    )

    expected = _hashes(checkout)
    assert len(expected) == 2
    assert _hashes(installed_render) == expected
    assert _hashes(installed_api) == expected
    assert _hashes(installed_batch) == _hashes(checkout_batch)
    assert len(_hashes(checkout_batch)) == 2 * len(ROLE_FILES)
