"""The brand's fonts travel inside the DOCX: subset, obfuscated, and only where licensed."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from lxml import etree

from exporter import api, load_role
from exporter.cli import cli
from exporter.engine.settings import Settings as RenderSettings
from exporter.fonts.embed import (
    FONT_CONTENT_TYPE,
    FS_NO_SUBSETTING,
    FS_RESTRICTED,
    embeddable,
    font_key,
    obfuscate,
)
from exporter.fonts.faces import FontFace
from exporter.resources import STYLES_DIR
from tests.conftest import ROLE_FILES
from tests.readback import Tool, docx_parts, docx_text, libreoffice_pdf

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS = {"w": W, "r": R, "pr": "http://schemas.openxmlformats.org/package/2006/relationships"}
REGULAR = STYLES_DIR / "fonts" / "IBMPlexSans-Regular.ttf"
GUID = re.compile(r"^\{[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\}$")


def embedded_fonts(data: bytes) -> dict[str, TTFont]:
    """The fonts the font table embeds, de-obfuscated, keyed by "<family> <embed element>"."""
    parts = docx_parts(data)
    table = etree.fromstring(parts["word/fontTable.xml"])
    if "word/_rels/fontTable.xml.rels" not in parts:
        return {}
    rels = etree.fromstring(parts["word/_rels/fontTable.xml.rels"])
    targets = {r.get("Id"): r.get("Target") for r in rels.iterfind("pr:Relationship", NS)}
    fonts = {}
    for entry in table.iterfind("w:font", NS):
        for embed in entry:
            if not embed.tag.startswith(f"{{{W}}}embed"):
                continue
            key = embed.get(f"{{{W}}}fontKey")
            assert GUID.match(key), key
            assert embed.get(f"{{{W}}}subsetted") == "1"
            raw = parts["word/" + targets[embed.get(f"{{{R}}}id")]]
            name = f"{entry.get(f'{{{W}}}name')} {embed.tag.split('}')[1]}"
            fonts[name] = TTFont(io.BytesIO(obfuscate(raw, key)))
    return fonts


def test_regular_and_bold_embedded_and_cover_the_text(docx_bytes):
    fonts = embedded_fonts(docx_bytes)
    assert sorted(fonts) == ["IBM Plex Sans embedBold", "IBM Plex Sans embedRegular"]
    assert fonts["IBM Plex Sans embedRegular"]["OS/2"].usWeightClass == 400
    assert fonts["IBM Plex Sans embedBold"]["OS/2"].usWeightClass == 700
    whole = TTFont(REGULAR)
    for font in fonts.values():
        assert font["name"].getDebugName(1) == "IBM Plex Sans"
        covered = set(font.getBestCmap())
        needed = {ord(c) for c in docx_text(docx_bytes)} & set(whole.getBestCmap())
        assert needed <= covered
        assert len(font.getGlyphOrder()) < len(whole.getGlyphOrder()) / 3  # a subset


def test_package_declares_the_fonts(docx_bytes):
    parts = docx_parts(docx_bytes)
    names = [n for n in parts if n.startswith("word/fonts/")]
    assert names == ["word/fonts/font1.odttf", "word/fonts/font2.odttf"]
    types = parts["[Content_Types].xml"].decode()
    for name in names:
        assert f'PartName="/{name}" ContentType="{FONT_CONTENT_TYPE}"' in types
    settings = etree.fromstring(parts["word/settings.xml"])
    assert settings.find("w:embedTrueTypeFonts", NS) is not None
    assert settings.find("w:saveSubsetFonts", NS) is not None


def test_obfuscation_xors_the_first_32_bytes_with_the_reversed_key():
    key = "{00010203-0405-0607-0809-0A0B0C0D0E0F}"
    reversed_key = bytes(range(15, -1, -1))
    assert obfuscate(bytes(40), key) == reversed_key * 2 + bytes(8)
    font = REGULAR.read_bytes()
    assert obfuscate(obfuscate(font, key), key) == font


def test_key_derives_from_the_font():
    font = REGULAR.read_bytes()
    assert font_key(font) == font_key(bytes(font))
    assert GUID.match(font_key(font))
    assert font_key(font) != font_key(font + b"\0")


def _with_fs_type(tmp_path: Path, bits: int) -> FontFace:
    font = TTFont(REGULAR)
    font["OS/2"].fsType = bits
    path = tmp_path / f"font-{bits}.ttf"
    font.save(path)
    return FontFace("IBM Plex Sans", path, 400, 400, False)


def test_licence_decides(tmp_path):
    assert embeddable(_with_fs_type(tmp_path, FS_RESTRICTED), "abc") is None
    whole = _with_fs_type(tmp_path, FS_NO_SUBSETTING)
    assert embeddable(whole, "abc") == (whole.path.read_bytes(), False)
    data, subsetted = embeddable(_with_fs_type(tmp_path, 0), "abc")
    assert subsetted and len(data) < whole.path.stat().st_size


def test_no_embed_fonts_option(runner, tmp_path):
    assert not embedded_fonts(api.render_docx(load_role(ROLE_FILES[0]), embed_fonts=False))
    result = runner.invoke(
        cli,
        ["render", str(ROLE_FILES[0]), "--format", "docx", "--no-embed-fonts", "--out", tmp_path],
    )
    assert result.exit_code == 0, result.output
    parts = docx_parts((tmp_path / f"{ROLE_FILES[0].stem}.docx").read_bytes())
    assert not [n for n in parts if n.startswith("word/fonts/")]
    assert b"embedTrueTypeFonts" not in parts["word/settings.xml"]


def test_embedding_is_a_render_input():
    assert (
        RenderSettings().fingerprint()
        != RenderSettings(docx=api.DocxOptions(embed_fonts=False)).fingerprint()
    )


@pytest.mark.consumer
@pytest.mark.slow
@pytest.mark.parametrize("embed", [True, False], ids=["embedded", "not-embedded"])
def test_libreoffice_uses_the_embedded_font(tmp_path, embed):
    role = load_role(ROLE_FILES[0])
    converted = libreoffice_pdf(api.render_docx(role, embed_fonts=embed), tmp_path)
    fonts = Tool("pdffonts").run(converted).stdout
    assert ("IBMPlexSans" in fonts) is embed, fonts
