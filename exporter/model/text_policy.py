"""One character policy for role text, applied when role data is loaded.

Role data is untrusted (a CMS, scraped pages). Both writers receive text that
went through :func:`clean_text`, so the PDF and the DOCX show the same
characters and neither library meets one it cannot handle. The rule:

*Rejected* (an error naming the field): characters that mean the text is
corrupt, cannot be stored in a DOCX, or can make a document display something
other than the data. Repairing them would be a guess.

- control characters (Unicode category Cc) other than tab and line feed:
  ``\\x00``, ``\\x0b``, ``\\x1b``, DEL, the C1 range. JSON itself forbids raw
  controls in strings, so one here was escaped on purpose or by a broken
  import; most are invalid in XML, which python-docx refuses with a bare error;
- noncharacters, ``U+FFFE`` and ``U+FFFF`` included (invalid in XML, usually a
  byte-swapped BOM or a wrong decoding);
- lone surrogates (``\\ud800`` escapes that pair with nothing: not text at all);
- bidirectional embeddings, overrides and isolates (U+202A–U+202E,
  U+2066–U+2069): they reorder what is displayed, so "50,000" can show as
  "000,05", and WeasyPrint and Word need not agree on the result.

*Removed with a warning* naming the field: invisible characters that carry no
content in an English report, whose removal changes nothing a reader sees:

- zero-width characters (U+200B–U+200D, U+2060, U+FEFF) and other invisible
  formatting (U+180E, U+2061–U+2064, U+206A–U+206F, U+FFF9–U+FFFB, tag
  characters U+E0000–U+E007F, which can smuggle hidden ASCII);
- directional marks (U+200E, U+200F, U+061C): they cannot reorder digits by
  themselves, but they only make sense inside right-to-left text.

*Normalised* silently, because both formats must lay the text out alike:
line endings (CR LF, CR, NEL, U+2028) become ``\\n`` and U+2029 a paragraph
break; tabs become spaces. In one-line fields (titles, names, labels) every run
of spaces, tabs and line breaks becomes one space. In prose fields runs of
spaces and tabs become one space, a single line break joins its lines with a
space (as HTML does) and one or more blank lines become one paragraph break.
No-break spaces and every other printable character are kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NONCHARACTERS = "".join(
    [
        "\ufdd0-\ufdef",
        *(f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(17)),
    ]
)

#: Rejected classes: a name for messages, and the characters.
REJECTED: dict[str, str] = {
    "control character": "\x00-\x08\x0b-\x1f\x7f-\x9f",
    "noncharacter": _NONCHARACTERS,
    "lone surrogate": "\ud800-\udfff",
    "bidirectional override": "\u202a-\u202e\u2066-\u2069",
}

#: Removed classes: a name for warnings, and the characters.
REMOVED: dict[str, str] = {
    "zero-width character": (
        "\u200b-\u200d\u2060-\u2064\ufeff\u180e\u206a-\u206f\ufff9-\ufffb\U000e0000-\U000e007f"
    ),
    "directional mark": "\u200e\u200f\u061c",
}

_REJECTED = {name: re.compile(f"[{chars}]") for name, chars in REJECTED.items()}
_REMOVED = {name: re.compile(f"[{chars}]") for name, chars in REMOVED.items()}
_LINE_ENDINGS = re.compile("\r\n|[\r\x85\u2028]")
_WHITESPACE = re.compile(r"[ \t\n]+")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")


@dataclass(frozen=True)
class Cleaned:
    """The text after the policy, with what was rejected and what was removed."""

    text: str
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


def _describe(name: str, matches: list[re.Match[str]]) -> str:
    codes = sorted({f"U+{ord(m.group()):04X}" for m in matches})
    shown = ", ".join(codes[:3]) + (", ..." if len(codes) > 3 else "")
    count = len(matches)
    where = matches[0].start() + 1
    if count == 1:
        return f"a {name} ({shown}) at character {where}"
    return f"{count} {name}s ({shown}), the first at character {where}"


def clean_text(text: str, *, multiline: bool) -> Cleaned:
    """Apply the character policy to one field's text (see the module docstring)."""
    text = _LINE_ENDINGS.sub("\n", text).replace("\u2029", "\n\n")
    errors = []
    for name, pattern in _REJECTED.items():
        found = list(pattern.finditer(text))
        if found:
            errors.append(f"contains {_describe(name, found)}: not allowed in role text")
    warnings = []
    for name, pattern in _REMOVED.items():
        found = list(pattern.finditer(text))
        if found:
            warnings.append(f"removed {_describe(name, found)}")
            text = pattern.sub("", text)
    if errors:  # what remains is only used to go on checking the other fields
        for pattern in _REJECTED.values():
            text = pattern.sub("", text)
    if multiline:
        paragraphs = (_WHITESPACE.sub(" ", part).strip() for part in _BLANK_LINE.split(text))
        text = "\n\n".join(part for part in paragraphs if part)
    else:
        text = _WHITESPACE.sub(" ", text).strip()
    return Cleaned(text, tuple(errors), tuple(warnings))


_UNPRINTABLE = re.compile("[" + "".join((*REJECTED.values(), *REMOVED.values())) + "]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def printable(text: str) -> str:
    """``text`` safe to show on a terminal: rejected and invisible characters escaped.

    Line feeds and tabs are kept, so multi-line messages stay readable.
    """
    return _UNPRINTABLE.sub(_escape, text)
