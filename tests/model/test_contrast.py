"""Brand colours reach WCAG 2.2 AA contrast wherever text is drawn, or the brand says otherwise."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from exporter.errors import BrandError
from exporter.model.brand import (
    AA_NORMAL,
    TEXT_PAIRS,
    Colours,
    contrast_problems,
    contrast_ratio,
    load_brand,
)
from tests.conftest import ROOT


@pytest.mark.parametrize(
    ("first", "second", "ratio"),
    [("#000000", "#ffffff", 21.0), ("#ffffff", "#ffffff", 1.0), ("#777777", "#ffffff", 4.48)],
    ids=["black-white", "same", "grey-777"],
)
def test_contrast_ratio_matches_the_wcag_formula(first, second, ratio):
    assert contrast_ratio(first, second) == pytest.approx(ratio, abs=0.01)
    assert contrast_ratio(second, first) == pytest.approx(ratio, abs=0.01)


def test_the_default_brand_reaches_aa_on_every_pair():
    brand = load_brand()
    assert not brand.accept_low_contrast
    assert contrast_problems(brand.colours) == []
    values = {**brand.colours.model_dump(), "white": "#ffffff"}
    for text, background, _large, _where in TEXT_PAIRS:
        assert contrast_ratio(values[text], values[background]) >= AA_NORMAL, (text, background)
    assert contrast_ratio(brand.colours.accent, "#ffffff") >= AA_NORMAL  # the kicker


def _brand_copy(tmp_path: Path, replace: dict[str, str]) -> Path:
    for name in ("logo.svg", "logo.png"):
        shutil.copy(ROOT / "styles" / name, tmp_path / name)
    text = (ROOT / "styles" / "brand.toml").read_text(encoding="utf-8")
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "brand.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_brand_below_aa_is_refused_naming_the_keys_and_ratio(tmp_path):
    path = _brand_copy(tmp_path, {'"#b5580c"': '"#e07a1f"', '"#5f6b7a"': '"#9aa5b1"'})
    with pytest.raises(BrandError) as caught:
        load_brand(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert "colours.accent (#e07a1f) on white (#ffffff) has contrast 3.01:1" in message
    assert "below WCAG AA 4.5:1 (the kicker above the title (9 pt bold))" in message
    assert "colours.muted (#9aa5b1) on white (#ffffff)" in message
    assert "colours.muted (#9aa5b1) on colours.surface (#eef3f7)" in message
    assert "accept_low_contrast = true" in message


def test_a_brand_may_accept_low_contrast_explicitly(tmp_path):
    path = _brand_copy(
        tmp_path,
        {'"#b5580c"': '"#e07a1f"', "accept_low_contrast = false": "accept_low_contrast = true"},
    )
    brand = load_brand(path)
    assert brand.accept_low_contrast
    assert len(contrast_problems(brand.colours)) == 1


def test_white_text_on_a_light_primary_is_caught():
    problems = contrast_problems(Colours(primary="#7fb3d5"))
    assert any(p.startswith("white (#ffffff) on colours.primary (#7fb3d5)") for p in problems)
