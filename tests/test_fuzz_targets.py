"""A short run of every fuzz target, so a finding in a known corner fails the suite.

The long, coverage-guided runs are ``python -m tests.fuzz.run TARGET`` (see the README).
"""

from __future__ import annotations

import pytest

from tests.fuzz.mutate import inputs
from tests.fuzz.run import main
from tests.fuzz.targets import TARGETS

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_fuzz_target_survives_its_seeds_and_mutants(name):
    chosen = TARGETS[name]
    for data in inputs(list(chosen.seeds()), count=500, random_seed=6):
        chosen(data)  # raises on anything but the project's own ExporterError


def test_fuzz_runner_lists_and_runs_targets(capsys):
    assert main(["--list"]) == 0
    assert "role" in capsys.readouterr().out.split()
    assert main(["role", "--mutate", "--runs", "50"]) == 0
    assert "no finding" in capsys.readouterr().out
