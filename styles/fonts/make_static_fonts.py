"""Make the static IBM Plex Sans files the default brand ships (run once, by hand).

The report uses two weights, 400 and 700, upright only (no template or style asks
for italic). This instances the variable font from the ``fontpkg-ibm-plex-sans``
package at those weights and the default width, keeps every glyph (nothing is
subset), and writes fixed ``head`` timestamps so running it again gives the same
bytes. The renderer then never touches fontTools.

    .venv/bin/pip install fontpkg-ibm-plex-sans fonttools
    .venv/bin/python styles/fonts/make_static_fonts.py
"""

from __future__ import annotations

import importlib.util
import io
import shutil
from pathlib import Path

from fontTools.ttLib import TTFont
from fontTools.varLib.instancer import instantiateVariableFont

HERE = Path(__file__).resolve().parent
PACKAGE = "fontpkg_ibm_plex_sans"
SOURCE = "IBMPlexSans[wdth,wght].ttf"
WEIGHTS = {400: "Regular", 700: "Bold"}
#: 1904-01-01, the epoch of TrueType timestamps: equal input, equal bytes.
FIXED_TIMESTAMP = 0


def package_folder() -> Path:
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"{PACKAGE} is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def instance(source: Path, weight: int) -> bytes:
    with TTFont(str(source), recalcTimestamp=False) as font:
        pins = {axis.axisTag: axis.defaultValue for axis in font["fvar"].axes}
        static = instantiateVariableFont(
            font, {**pins, "wght": weight}, static=True, updateFontNames=True
        )
        static["head"].created = static["head"].modified = FIXED_TIMESTAMP
        buffer = io.BytesIO()
        static.save(buffer)
        return buffer.getvalue()


def main() -> None:
    folder = package_folder()
    source = folder / "files" / SOURCE
    for weight, style in WEIGHTS.items():
        target = HERE / f"IBMPlexSans-{style}.ttf"
        target.write_bytes(instance(source, weight))
        print(f"wrote {target.name} ({target.stat().st_size:,} bytes)")
    shutil.copyfile(folder / "LICENSE", HERE / "OFL.txt")
    print("wrote OFL.txt")


if __name__ == "__main__":
    main()
