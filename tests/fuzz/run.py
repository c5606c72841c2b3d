"""Run a fuzz target: ``python -m tests.fuzz.run TARGET [options] [-- libFuzzer options]``.

With atheris installed (``pip install -e '.[fuzz]'``) this is coverage-guided
libFuzzer: it runs until stopped or until ``-- -max_total_time=SECONDS``, keeps
its corpus in ``.fuzz/<target>/`` (seeded from the target's seeds) and writes any
crashing input to ``.fuzz/crash-*``. Without atheris, or with ``--mutate``, a
plain mutation fuzzer runs ``--runs`` inputs. Examples::

    python -m tests.fuzz.run role -- -max_total_time=300
    python -m tests.fuzz.run role --mutate --runs 100000
    python -m tests.fuzz.run --list
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import sys
import traceback
from pathlib import Path

WORK_DIR = Path(__file__).resolve().parents[2] / ".fuzz"


def _seed_corpus(name: str, seeds: list[bytes]) -> Path:
    corpus = WORK_DIR / name
    corpus.mkdir(parents=True, exist_ok=True)
    for seed in seeds:
        (corpus / hashlib.sha1(seed).hexdigest()).write_bytes(seed)
    return corpus


def _run_atheris(name: str, libfuzzer_args: list[str]) -> None:
    import atheris

    from tests.fuzz.targets import TARGETS

    chosen = TARGETS[name]
    corpus = _seed_corpus(name, list(chosen.seeds()))
    chosen(b"{}")  # import everything the target uses, then instrument all loaded code
    atheris.instrument_all()
    args = [sys.argv[0], f"-artifact_prefix={WORK_DIR}/crash-", *libfuzzer_args, str(corpus)]
    atheris.Setup(args, chosen)
    atheris.Fuzz()


def _run_mutate(name: str, runs: int, random_seed: int) -> int:
    from tests.fuzz.mutate import inputs
    from tests.fuzz.targets import TARGETS

    chosen = TARGETS[name]
    seeds = list(chosen.seeds())
    for number, data in enumerate(inputs(seeds, runs, random_seed), start=1):
        try:
            chosen(data)
        except Exception:
            WORK_DIR.mkdir(exist_ok=True)
            crash = WORK_DIR / f"crash-{hashlib.sha1(data).hexdigest()}"
            crash.write_bytes(data)
            traceback.print_exc()
            print(f"finding after {number} inputs, saved to {crash}", file=sys.stderr)
            return 1
    print(f"{name}: {len(seeds) + runs} inputs, no finding")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    ours, libfuzzer_args = (
        (argv, [])
        if "--" not in argv
        else (
            argv[: argv.index("--")],
            argv[argv.index("--") + 1 :],
        )
    )
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz.run", description=__doc__)
    parser.add_argument("target", nargs="?", help="fuzz target name (see --list)")
    parser.add_argument("--list", action="store_true", help="list the fuzz targets")
    parser.add_argument("--mutate", action="store_true", help="plain mutation fuzzing")
    parser.add_argument("--runs", type=int, default=20_000, help="inputs for --mutate")
    parser.add_argument("--seed", type=int, default=0, help="random seed for --mutate")
    options = parser.parse_args(ours)

    from tests.fuzz.targets import TARGETS

    if options.list or not options.target:
        print("\n".join(sorted(TARGETS)))
        return 0
    if options.target not in TARGETS:
        parser.error(f"unknown target {options.target!r}; known: {', '.join(sorted(TARGETS))}")
    if options.mutate or importlib.util.find_spec("atheris") is None:
        return _run_mutate(options.target, options.runs, options.seed)
    _run_atheris(options.target, libfuzzer_args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
