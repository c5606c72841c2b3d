"""A small mutation fuzzer, for machines without atheris and for the quick test run.

It mutates seed inputs (bytes flipped, JSON tokens and hostile characters
inserted, spans deleted, repeated or spliced from another seed) and runs the
target on each. Deterministic for a given random seed.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence

TOKENS = [
    b"{",
    b"}",
    b"[",
    b"]",
    b'"',
    b":",
    b",",
    b"\\",
    b"\\u0000",
    b"\\ud800",
    b"\\udfff",
    b"\\u202e",
    b"\\ufffe",
    b"NaN",
    b"-Infinity",
    b"1e999",
    b"-0",
    b"9" * 40,
    b"true",
    b"null",
    b'""',
    b"\xef\xbb\xbf",
    b"\xff",
    b"\xc3",
    b"\x00",
    b"\r\n",
    "\u202e".encode(),
    "\u200b".encode(),
    "e\u0301".encode(),
    b'"role"',
    b'"salary"',
    b'"checklist"',
    b"[" * 40,
]


def mutate(data: bytes, seeds: Sequence[bytes], rng: random.Random) -> bytes:
    """One to four random edits of ``data``."""
    buffer = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        position = rng.randint(0, len(buffer))
        operation = rng.randrange(6)
        if operation == 0 and buffer:
            index = rng.randrange(len(buffer))
            buffer[index] ^= 1 << rng.randrange(8)
        elif operation == 1:
            buffer[position:position] = rng.choice(TOKENS)
        elif operation == 2:
            del buffer[position : position + rng.randint(1, 64)]
        elif operation == 3:
            span = bytes(buffer[position : position + rng.randint(1, 64)])
            buffer[position:position] = span * rng.randint(1, 8)
        elif operation == 4:
            other = rng.choice(seeds)
            start = rng.randint(0, len(other))
            buffer[position:] = other[start:]
        else:
            del buffer[position:]
    return bytes(buffer)


def inputs(seeds: Sequence[bytes], count: int, random_seed: int = 0) -> Iterator[bytes]:
    """The seeds themselves, then ``count`` mutants of them."""
    rng = random.Random(random_seed)
    yield from seeds
    for _ in range(count):
        yield mutate(rng.choice(seeds), seeds, rng)
