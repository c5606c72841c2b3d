"""The publisher's scraper, simulated: UTF-8 bytes read as TIS-620."""

from __future__ import annotations


def scrape(text: str, lose: bool = True) -> str:
    """What the scraper made of ``text``: its UTF-8 bytes read as TIS-620.

    TIS-620 has no characters for bytes 80-A0: the scraper dropped them (``lose``),
    or, like Python's codec, kept 80-9F as C1 controls.
    """
    out = []
    for byte in text.encode("utf-8"):
        if 0x80 <= byte <= 0xA0 and (lose or byte == 0xA0):
            out.append("" if lose else "\xa0")
        else:
            out.append(bytes([byte]).decode("tis-620"))
    return "".join(out)
