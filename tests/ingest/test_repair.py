"""Text repair: UTF-8 read as Thai (TIS-620/cp874) is undone, real Thai is left alone."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exporter.ingest import repair
from tests.scrape import scrape


@pytest.mark.parametrize(
    ("damaged", "repaired"),
    [
        ("April 2026 ยท Based on", "April 2026 · Based on"),
        ("earns ยฃ84,250", "earns £84,250"),
        ("cafรฉ", "café"),
        ("ZรผrichยทMรผnchen", "Zürich·München"),
        ("$141,344 โ a delta", "$141,344 — a delta"),
        ("shift โ the premium", "shift — the premium"),
        ("cp874 kept the bytes: a โ€” b", "cp874 kept the bytes: a — b"),
        ("C1 controls: \u0e50\x9f\x9a\x80 go", "C1 controls: 🚀 go"),
        ("from โฌ95,500 to โฌ 99,000", "from €95,500 to € 99,000"),
        ("earns โน1,150,000", "earns ₹1,150,000"),
    ],
    ids=[
        "middle-dot",
        "pound",
        "e-acute",
        "two-in-a-run",
        "dash",
        "dash-2",
        "cp874",
        "c1",
        "euro-bytes-lost",
        "rupee-bytes-lost",
    ],
)
def test_damage_is_undone(damaged, repaired):
    assert repair.repair_text(damaged) == repaired


@pytest.mark.parametrize(
    "text",
    [
        "itโs",  # an apostrophe (E2 80 99) cut short: not a dash, not guessable
        "โstarts a line",
        "ends a line โ",
        "๐ก๏ธ",  # an icon with bytes lost
        "โฌ sign",  # the euro's bytes, but no amount after them
    ],
    ids=["apostrophe", "line-start", "line-end", "icon", "symbol-without-amount"],
)
def test_damage_that_cannot_be_undone_is_kept(text):
    assert repair.repair_text(text) == text
    assert repair.damaged_characters(text)


@pytest.mark.parametrize(
    "text",
    [
        "ภาษาไทยเป็นภาษาที่สวยงาม",
        "ตลาดงานวิศวกรในกรุงเทพฯ กำลังเติบโต ยก รถ โลก",
        "เงินเดือนเฉลี่ย ฿1,150,000 ต่อปี · ข้อมูล 48 รายการ โ ก",
    ],
    ids=["sentence", "words-that-would-decode", "mixed"],
)
def test_text_genuinely_in_thai_is_kept(text):
    assert repair.is_thai_text(text)
    assert repair.repair_text(text) == text
    assert repair.decode_mojibake(text) == text
    assert repair.damaged_characters(text) == []
    assert repair.strip_icon_remnant(text) == text


def test_clean_text_is_unchanged():
    text = "Already fine: café · 🚀 — “quotes” ‘and’ … €5, £6, ฿7, \u00a0NBSP."
    assert repair.repair_text(text) == text
    assert repair.damaged_characters(text) == []


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("๐ Growth Catalyst", "Growth Catalyst"),
        ("๐ก๏ธ Career Moat", "Career Moat"),
        ("๐Growth Catalyst", "Growth Catalyst"),
        ("Career Moat", "Career Moat"),
        ("🚀 Growth Catalyst", "🚀 Growth Catalyst"),  # intact: the importer's business
    ],
    ids=["rocket", "shield", "no-space", "no-icon", "intact-emoji"],
)
def test_icon_remnants(line, expected):
    assert repair.strip_icon_remnant(line) == expected


def test_the_scrapers_damage_of_the_seed_characters():
    assert scrape("·") == "ยท"
    assert scrape("—") == "โ"
    assert scrape("🚀") == "๐"
    assert scrape("🛡️") == "๐ก๏ธ"


_TEXT = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs", "Cc"),
        blacklist_characters="\ufeff",
        # U+06C0-07FF start with bytes DB-DE, which TIS-620 has no characters for.
    ).filter(lambda c: not ("\u06c0" <= c <= "\u07ff" or "\u0e00" <= c <= "\u0e7f")),
    max_size=40,
)


@settings(deadline=None)  # no timed assertions: the machine is shared
@given(_TEXT)
def test_whole_damage_always_decodes_back(text):
    assert repair.repair_text(scrape(text, lose=False)) == text


@settings(deadline=None)  # no timed assertions: the machine is shared
@given(_TEXT)
def test_lossy_damage_never_invents_text(text):
    repaired = repair.repair_text(scrape(text))
    # Every character came back, or is Thai damage kept as it is, or a dash or a
    # currency symbol guessed from the context (a damaged character before a digit).
    leftover = re.sub("[\u0e00-\u0e7f]", "", repaired).replace("—", "")
    assert all(c in text or c == " " or unicodedata.category(c) == "Sc" for c in leftover)
