"""The engine's parts: settings, typed failures, the slug rule, warm workers under faults.

The workers run in real spawned processes; faults are real (SIGKILL, a renderer
that crashes its process); outcomes are read back from the jobs' results.
"""

from __future__ import annotations

import asyncio
import os
import pickle
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from exporter.api import DocxOptions, PdfOptions
from exporter.engine.claims import SlugClaims
from exporter.engine.executors import worker_processes
from exporter.engine.failures import WORKER_DIED, Failure
from exporter.engine.jobs import Job, JobResult, Limits, render_job
from exporter.engine.settings import Settings, role_hash
from exporter.engine.slots import Workers
from exporter.model.rolefile import load_role
from tests.conftest import ROLE_FILES, ROOT
from tests.faults import Misbehave

DOCX = Settings(formats=("docx",))


def _job(settings: Settings = DOCX, index: int = 0) -> Job:
    role = load_role(ROLE_FILES[index])
    return Job(role, ROLE_FILES[index].name, role_hash("f", b"%d" % index), settings, Limits())


def test_settings_pickle_and_publish_their_options_under_one_set_of_names() -> None:
    settings = Settings(
        ("pdf",),
        Path("brand.toml"),
        PdfOptions("pdf/a-2b", False, Path("tpl"), "DRAFT"),
        DocxOptions(Path("ref.docx"), False, "DRAFT"),
    )
    assert pickle.loads(pickle.dumps(settings)) == settings
    assert settings.describe() == {
        "formats": ["pdf"],
        "brand_file": "brand.toml",
        "pdf_variant": "pdf/a-2b",
        "attach": False,
        "docx_template": "ref.docx",
        "templates_dir": "tpl",
        "embed_fonts": False,
        "watermark": "DRAFT",
    }
    options = Settings().options(Settings().load_brand())
    assert options.pdf == Settings().pdf and options.docx == Settings().docx


@pytest.mark.parametrize(
    "changed",
    [
        Settings(pdf=PdfOptions(attach=False)),
        Settings(pdf=PdfOptions(variant="pdf/a-2b")),
        Settings(docx=DocxOptions(embed_fonts=False)),
        Settings(docx=DocxOptions(watermark="DRAFT")),
    ],
    ids=["attach", "variant", "embed-fonts", "docx-watermark"],
)
def test_every_format_option_is_in_the_fingerprint(changed: Settings) -> None:
    assert changed.fingerprint() != Settings().fingerprint()
    assert Settings(formats=("docx",)).fingerprint() == Settings().fingerprint()


def test_the_first_claim_on_a_name_holds_it() -> None:
    claims = SlugClaims()
    assert claims.claim("analyst-canada", "a.json") is None
    assert claims.claim("analyst-canada", "a.json") is None  # the holder again
    refused = claims.claim("analyst-canada", "b.json")
    assert refused == "output name 'analyst-canada' is already used by a.json"
    assert claims.taken_by_others("b.json") == {"analyst-canada"}


@pytest.mark.parametrize(
    ("renderer", "kind", "text"),
    [
        (Misbehave("fail"), Failure.INVALID, "failed on purpose"),
        (Misbehave("bogus"), Failure.RENDERER_BUG, "render failed: ValueError"),
    ],
    ids=["invalid", "renderer-bug"],
)
def test_a_job_reports_its_failure_as_a_kind_and_a_message(renderer, kind, text) -> None:
    result = render_job(_job(), renderer)
    assert result.failure is not None and result.failure.kind is kind
    assert text in result.failure.message and result.error == result.failure.message
    assert result.files == ()


def _run(coro_factory):
    return asyncio.run(coro_factory())


def test_a_worker_killed_while_idle_costs_no_job() -> None:
    async def scenario() -> tuple[JobResult, int, bool, bool]:
        workers = Workers(1, (DOCX, None, Limits()))
        await workers.start()
        try:
            healthy_before = workers.healthy
            [process] = worker_processes(workers._slots[0].executor)
            os.kill(process.pid, signal.SIGKILL)
            await asyncio.to_thread(process.join, 30)
            result = await workers.run(_job(), Misbehave("none", slug="nobody"))
            return result, workers.replacements, healthy_before, workers.healthy
        finally:
            await workers.stop()

    result, replacements, healthy_before, healthy_after = _run(scenario)
    assert result.failure is None
    assert [f.format for f in result.files] == ["docx"]
    assert result.files[0].data.startswith(b"PK")
    assert replacements == 1 and healthy_before and healthy_after


def test_a_worker_dying_mid_job_is_a_typed_failure_and_is_replaced() -> None:
    async def scenario() -> tuple[JobResult, JobResult, int]:
        workers = Workers(1, (DOCX, None, Limits()))
        await workers.start()
        try:
            crashed = await workers.run(_job(index=0), Misbehave("crash"))
            fine = await workers.run(_job(index=1), Misbehave("none", slug="nobody"))
            return crashed, fine, workers.replacements
        finally:
            await workers.stop()

    crashed, fine, replacements = _run(scenario)
    assert crashed.failure is not None and crashed.failure.kind is Failure.WORKER_DIED
    assert crashed.error == WORKER_DIED
    assert fine.failure is None and fine.files[0].data.startswith(b"PK")
    assert replacements == 1


def test_the_independence_contract_fails_on_a_planted_service_to_batch_import(tmp_path):
    shutil.copytree(
        ROOT / "exporter", tmp_path / "exporter", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    roles = tmp_path / "exporter" / "service" / "roles.py"
    roles.write_text(roles.read_text() + "\nimport exporter.batch.plan  # planted\n")
    result = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode != 0, result.stdout
    assert "service and batch are independent BROKEN" in result.stdout, result.stdout
    assert "exporter.service.roles -> exporter.batch.plan" in result.stdout, result.stdout
