"""The brand's font files: where they come from, what they cover, how CSS names them.

Fonts come from files beside the brand file (the bundled brand ships static IBM
Plex Sans in ``styles/fonts``) or from a pip-installed font package, never from
whatever the machine happens to have, so a PDF looks the same everywhere. DejaVu
Sans, which every supported machine ships, is the fallback for characters the
brand font lacks; characters no font covers (emoji, CJK on a bare machine) are
reported, naming the field.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import struct
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from exporter.files import (
    UnsafeFile,
    private_folder,
    read_regular_file,
    user_cache_folder,
    write_atomic,
)
from exporter.fonts import sfnt

FONT_SUFFIXES = (".ttf", ".otf")
FALLBACK_FAMILY = "DejaVu Sans"
FALLBACK_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))

#: Weights a report uses; variable fonts are instanced at these once and cached.
STATIC_WEIGHTS = (400, 700)

#: Largest cached font instance read back.
MAX_FONT_BYTES = 64 << 20

#: Timestamp written into instanced fonts, so equal input gives equal PDF bytes.
FIXED_FONT_TIMESTAMP = 0


class FontFileError(ValueError):
    """A font file is missing or unreadable; the message names it."""


@dataclass(frozen=True)
class FontFace:
    """One font file and the family, weights and style it provides."""

    family: str
    path: Path
    weight_min: int
    weight_max: int
    italic: bool

    @property
    def variable(self) -> bool:
        return self.weight_min != self.weight_max


def package_font_files(module: str) -> tuple[Path, ...]:
    """The font files shipped inside an installed Python package."""
    dotted = all(part.isidentifier() for part in module.split("."))
    try:
        spec = importlib.util.find_spec(module) if dotted else None
    except ImportError:  # a dotted name whose parent package is missing
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise FontFileError(f"font package {module!r} is not installed (pip install it)")
    folder = Path(next(iter(spec.submodule_search_locations)))
    files = tuple(sorted(p for p in folder.rglob("*") if p.suffix.lower() in FONT_SUFFIXES))
    if not files:
        raise FontFileError(f"font package {module!r} contains no .ttf or .otf file")
    return files


def inspect_font(path: Path, family: str) -> FontFace:
    """Read a font file's weight range and style; a broken file is an error naming it."""
    if not path.is_file():
        raise FontFileError(f"font file {path} does not exist")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FontFileError(f"font file {path} is not readable: {exc.strerror}") from None
    try:
        found = sfnt.info(data)
        if not sfnt.code_points(data):
            raise FontFileError(f"font file {path} maps no characters")
        return FontFace(family, path.resolve(), found.weight_min, found.weight_max, found.italic)
    except sfnt.SfntError:
        return _inspect_with_fonttools(path, family)  # a table layout the small reader skips


def _inspect_with_fonttools(path: Path, family: str) -> FontFace:
    from fontTools.ttLib import TTFont, TTLibError

    try:
        with path.open("rb") as handle, TTFont(handle) as font:
            if "fvar" in font:
                axes = {axis.axisTag: axis for axis in font["fvar"].axes}
                weight = axes.get("wght")
                low = int(weight.minValue) if weight else 400
                high = int(weight.maxValue) if weight else 400
            else:
                low = high = int(font["OS/2"].usWeightClass)
            italic = bool(font["OS/2"].fsSelection & 1) or bool(font["head"].macStyle & 2)
            if not font.getBestCmap():
                raise FontFileError(f"font file {path} maps no characters")
    except (TTLibError, KeyError, OSError, AssertionError, struct.error) as exc:
        raise FontFileError(f"font file {path} is not a readable font: {exc}") from None
    return FontFace(family, path.resolve(), low, high, italic)


def font_cache_dir() -> Path | None:
    """Where instanced fonts are kept: ``$XDG_CACHE_HOME/exporter/fonts`` or ~/.cache (None
    without either: a fresh temporary folder is used then)."""
    return user_cache_folder("fonts")


@cache
def _session_folder() -> Path:
    """A fresh private folder for this process, when no cache folder can be trusted."""
    return Path(tempfile.mkdtemp(prefix="exporter-fonts-"))


def _usable_instance(path: Path, weight: int) -> bool:
    """Whether a cached instance is a whole static font of the weight (else it is rebuilt)."""
    try:
        found = sfnt.info(read_regular_file(path, MAX_FONT_BYTES))
    except (UnsafeFile, sfnt.SfntError):
        return False
    return not found.variable and found.weight_min == weight


def static_faces(face: FontFace, cache_dir: Path | None = None) -> tuple[FontFace, ...]:
    """Static instances of a variable face at :data:`STATIC_WEIGHTS`, made once and cached.

    Only a fallback for an operator's brand that names variable fonts: the bundled
    brand ships static files (``styles/fonts``), so rendering it never instances a
    font. WeasyPrint would otherwise instance the variable font in every document,
    which is slow and stamps the current time into each embedded font.

    The cache folder must be a private folder of this user (created 0700);
    otherwise a fresh temporary folder is used for this process. A cached file that
    is not a whole static font of the right weight is made again.
    """
    if not face.variable:
        return (face,)
    base = cache_dir or font_cache_dir()
    folder = (private_folder(base) if base is not None else None) or _session_folder()
    digest = hashlib.sha256(face.path.read_bytes()).hexdigest()[:16]
    faces = []
    for weight in STATIC_WEIGHTS:
        if not face.weight_min <= weight <= face.weight_max:
            continue
        target = folder / f"{face.path.stem.split('[')[0]}-{digest}-{weight}.ttf"
        if not _usable_instance(target, weight):
            write_atomic(target, instance_font(face.path, weight), mode=0o600)
        faces.append(FontFace(face.family, target, weight, weight, face.italic))
    return tuple(faces)


def instance_font(path: Path, weight: int) -> bytes:
    """A static instance of a variable font at ``weight`` (default on other axes)."""
    from fontTools.ttLib import TTFont
    from fontTools.varLib.instancer import instantiateVariableFont

    with TTFont(str(path), recalcTimestamp=False) as font:
        pins = {axis.axisTag: axis.defaultValue for axis in font["fvar"].axes}
        static = instantiateVariableFont(font, {**pins, "wght": weight}, static=True)
        static["head"].created = static["head"].modified = FIXED_FONT_TIMESTAMP
        buffer = io.BytesIO()
        static.save(buffer)
        return buffer.getvalue()


@cache
def _cmap(path: Path) -> frozenset[int]:
    try:
        return sfnt.code_points(path.read_bytes())
    except sfnt.SfntError:
        pass
    from fontTools.ttLib import TTFont

    with path.open("rb") as handle, TTFont(handle) as font:
        return frozenset(font.getBestCmap())


@cache
def fallback_files() -> tuple[Path, ...]:
    """DejaVu Sans files on this machine (regular and bold), if any."""
    for folder in FALLBACK_DIRS:
        found = tuple(folder / n for n in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"))
        if all(p.is_file() for p in found):
            return found
    return ()


@cache
def coverage(faces: tuple[FontFace, ...]) -> frozenset[int]:
    """Code points some font of the stack (brand fonts, then the fallback) can draw.

    Cached per stack: a batch checks every role against the same one.
    """
    covered: set[int] = set()
    for path in {face.path for face in faces} | set(fallback_files()):
        covered |= _cmap(path)
    return frozenset(covered)


def missing_characters(text: str, covered: frozenset[int]) -> list[str]:
    """Distinct printable characters of ``text`` that no font covers, in order."""
    seen: dict[str, None] = {}
    for char in text:
        if char.isspace() or ord(char) in covered or char in seen:
            continue
        seen[char] = None
    return list(seen)


def text_fields(value: object, path: str = "") -> list[tuple[str, str]]:
    """Every string in nested role data, with its dotted field path."""
    if isinstance(value, str):
        return [(path, value)]
    items: Iterable[tuple[object, object]]
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list | tuple):
        items = enumerate(value)
    else:
        return []
    found = []
    for key, item in items:
        found += text_fields(item, f"{path}.{key}" if path else str(key))
    return found


def coverage_warnings(data: object, faces: tuple[FontFace, ...]) -> list[str]:
    """One warning per field holding characters no font of the stack can draw."""
    covered = coverage(faces)
    warnings = []
    for field, text in text_fields(data):
        missing = missing_characters(text, covered)
        if missing:
            shown = ", ".join(f"{c!r} (U+{ord(c):04X})" for c in missing[:5])
            more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
            warnings.append(f"{field}: no font has {shown}{more}; the PDF shows a box for each")
    return warnings
