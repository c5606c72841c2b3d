"""The brand's fonts embedded in the DOCX, obfuscated as ECMA-376 Part 1 §17.8 requires.

For each family the document uses (the brand's body and heading fonts) and each weight
it uses (regular and bold, :data:`~exporter.fonts.faces.STATIC_WEIGHTS`), the brand's
font file is subset to the characters the document holds plus printable ASCII (so a
reader can still type plain text in the brand font), obfuscated with a key derived from
the font's bytes, and stored as ``word/fonts/fontN.odttf``; the font table names it
(``w:embedRegular``/``w:embedBold`` with ``r:id``, ``w:fontKey`` and ``w:subsetted``)
and the settings ask for embedded fonts (``w:embedTrueTypeFonts``, ``w:saveSubsetFonts``).

A font goes in only as far as its licence allows (OS/2 ``fsType``): a font with the
"restricted" or "bitmap only" bit is left out; one with "no subsetting" goes in whole.
Word opens subset fonts (it writes them itself with "Embed only the characters used").
Equal documents give equal bytes: the key is a hash of the embedded font, and HarfBuzz's
subsetter (about a millisecond a font; fontTools' took about a second) keeps the font's
own timestamps and its kerning and other layout tables.
"""

from __future__ import annotations

import hashlib
import struct
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.part import Part
from docx.oxml.ns import qn
from lxml import etree

from exporter.fonts.faces import FontFace

if TYPE_CHECKING:
    from exporter.model.brand import Brand

FONT_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.obfuscatedFont"

#: OS/2 fsType bits (OpenType spec): embedding not allowed; no subsetting; bitmaps only.
FS_RESTRICTED, FS_NO_SUBSETTING, FS_BITMAP_ONLY = 0x0002, 0x0100, 0x0200

#: Text every embedded subset keeps besides the document's own characters.
ALWAYS_KEPT = "".join(chr(code) for code in range(0x20, 0x7F)) + "•"  # the list bullet

#: Settings children that come before ``w:embedTrueTypeFonts`` (CT_Settings order).
_SETTINGS_BEFORE = tuple(
    qn(f"w:{tag}")
    for tag in [
        "writeProtection",
        "view",
        "zoom",
        "removePersonalInformation",
        "removeDateAndTime",
        "doNotDisplayPageBoundaries",
        "displayBackgroundShape",
        "printPostScriptOverText",
        "printFractionalCharacterWidth",
        "printFormsData",
    ]
)
#: Text-bearing elements in WordprocessingML and DrawingML (chart) parts.
_TEXT_TAGS = frozenset(
    {
        qn("w:t"),
        "{http://schemas.openxmlformats.org/drawingml/2006/main}t",
        "{http://schemas.openxmlformats.org/drawingml/2006/chart}v",
    }
)
_EMBED_TAGS = {400: "w:embedRegular", 700: "w:embedBold"}
_EMBED_QN = frozenset(qn(f"w:embed{kind}") for kind in ("Regular", "Bold", "Italic", "BoldItalic"))


@dataclass(frozen=True)
class EmbeddedFont:
    """One font as the DOCX stores it."""

    family: str
    weight: int
    key: str  # the GUID in braces, as w:fontKey writes it
    data: bytes  # obfuscated
    subsetted: bool


def font_key(font: bytes) -> str:
    """A GUID derived from the font's bytes, so equal fonts get equal keys."""
    return "{" + str(uuid.UUID(bytes=hashlib.sha256(font).digest()[:16])).upper() + "}"


def obfuscate(font: bytes, key: str) -> bytes:
    """XOR the first 32 bytes with the key's 16 bytes in reverse order (ECMA-376 §17.8.1).

    The same function undoes it.
    """
    key_bytes = bytes.fromhex(key.strip("{}").replace("-", ""))[::-1]
    head = bytes(byte ^ key_bytes[index % 16] for index, byte in enumerate(font[:32]))
    return head + font[32:]


def fs_type(font: bytes) -> int:
    """The font's OS/2 ``fsType`` embedding bits (0, installable, when it has no OS/2)."""
    try:
        (count,) = struct.unpack_from(">H", font, 4)
        for index in range(count):
            tag, _, offset, _ = struct.unpack_from(">4sIII", font, 12 + 16 * index)
            if tag == b"OS/2":
                return int(struct.unpack_from(">H", font, offset + 8)[0])
    except struct.error:
        pass
    return 0


def subset(font: bytes, text: str) -> bytes:
    """The font cut down to the glyphs ``text`` needs (HarfBuzz's subsetter), layout kept."""
    import uharfbuzz as hb

    request = hb.SubsetInput()
    for char in text:
        request.unicode_set.add(ord(char))
    for name_id in range(26):  # every standard name, the licence and its URL among them
        request.name_id_set.add(name_id)
    return bytes(hb.subset(hb.Face(font), request).blob.data)


def embeddable(face: FontFace, text: str) -> tuple[bytes, bool] | None:
    """The bytes to embed for ``face`` and whether they are a subset; None if not allowed."""
    font = face.path.read_bytes()
    bits = fs_type(font)
    if bits & (FS_RESTRICTED | FS_BITMAP_ONLY):
        return None
    if bits & FS_NO_SUBSETTING:
        return font, False
    return subset(font, text), True


def faces_used(brand: Brand) -> list[tuple[str, int, FontFace]]:
    """(family, weight, face) for each upright weight the document uses, in a stable order."""
    families = dict.fromkeys((brand.fonts.body, brand.fonts.heading))
    found = []
    for family in families:
        for weight in _EMBED_TAGS:
            face = next(
                (
                    f
                    for f in brand.faces
                    if f.family == family
                    and not f.italic
                    and f.weight_min <= weight <= f.weight_max
                ),
                None,
            )
            if face is not None and not face.variable:
                found.append((family, weight, face))
    return found


def document_text(parts: Iterable[Any]) -> str:
    """Every character in the text of the package's XML parts, sorted, once each."""
    seen: set[str] = set(ALWAYS_KEPT)
    for part in parts:
        element = getattr(part, "_element", None)
        if element is None:
            continue
        for node in element.iter(*_TEXT_TAGS):
            seen.update(node.text or "")
    return "".join(sorted(seen))


def embed_fonts(document: Any, brand: Brand) -> list[EmbeddedFont]:
    """Embed the brand fonts the document uses; returns what went in (maybe nothing)."""
    package = document.part.package
    text = document_text(package.iter_parts())
    fonts: list[EmbeddedFont] = []
    for family, weight, face in faces_used(brand):
        found = embeddable(face, text)
        if found is None:
            continue
        data, subsetted = found
        key = font_key(data)
        fonts.append(EmbeddedFont(family, weight, key, obfuscate(data, key), subsetted))
    if not fonts:
        return fonts
    table_part = document.part.part_related_by(RT.FONT_TABLE)
    table = etree.fromstring(table_part.blob)
    entries = {
        family: _font_entry(table, family) for family in dict.fromkeys(f.family for f in fonts)
    }
    for font in fonts:
        part = Part(
            package.next_partname("/word/fonts/font%d.odttf"), FONT_CONTENT_TYPE, font.data, package
        )
        rel_id = table_part.relate_to(part, RT.FONT)
        embed = etree.SubElement(entries[font.family], qn(_EMBED_TAGS[font.weight]))
        embed.set(qn("r:id"), rel_id)
        embed.set(qn("w:fontKey"), font.key)
        if font.subsetted:
            embed.set(qn("w:subsetted"), "1")
    table_part._blob = etree.tostring(
        table, xml_declaration=True, encoding="UTF-8", standalone=True
    )
    _ask_for_embedded_fonts(document.settings.element, any(f.subsetted for f in fonts))
    return fonts


def _font_entry(table: Any, family: str) -> Any:
    """The font table's entry for ``family``, without embedded fonts (made if missing)."""
    for entry in table.iterfind(qn("w:font")):
        if entry.get(qn("w:name")) == family:
            for old in [child for child in entry if child.tag in _EMBED_QN]:
                entry.remove(old)
            return entry
    entry = etree.SubElement(table, qn("w:font"))
    entry.set(qn("w:name"), family)
    etree.SubElement(entry, qn("w:family")).set(qn("w:val"), "swiss")
    etree.SubElement(entry, qn("w:pitch")).set(qn("w:val"), "variable")
    return entry


def _ask_for_embedded_fonts(settings: Any, subsetted: bool) -> None:
    """Add ``w:embedTrueTypeFonts`` (and ``w:saveSubsetFonts``) where the schema puts them."""
    if settings.find(qn("w:embedTrueTypeFonts")) is not None:
        return
    embed = etree.Element(qn("w:embedTrueTypeFonts"))
    before = [child for child in settings if child.tag in _SETTINGS_BEFORE]
    if before:
        before[-1].addnext(embed)
    else:
        settings.insert(0, embed)
    if subsetted and settings.find(qn("w:saveSubsetFonts")) is None:
        embed.addnext(etree.Element(qn("w:saveSubsetFonts")))
