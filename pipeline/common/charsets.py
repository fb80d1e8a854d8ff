"""Character sets, script detection and label normalisation."""

from __future__ import annotations

import unicodedata
from pathlib import Path

LATIN_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
LATIN_LOWER = "abcdefghijklmnopqrstuvwxyz"
DIGITS = "0123456789"
ALPHANUMERIC = DIGITS + LATIN_UPPER + LATIN_LOWER


def gb2312_level1() -> str:
    """Return the 3,755 level-1 hanzi of GB 2312 (rows 16-55), decoded with Python's codec."""
    chars = []
    for row in range(0xB0, 0xD8):
        for cell in range(0xA1, 0xFF):
            try:
                chars.append(bytes([row, cell]).decode("gb2312"))
            except UnicodeDecodeError:
                continue  # row 55 (0xD7) ends at cell 0xF9
    return "".join(chars)


def script_of(char: str) -> str:
    """Classify one character as 'han', 'latin' (ASCII letters and digits) or 'other'."""
    if len(char) != 1:
        raise ValueError(f"expected one character, got {char!r}")
    if char in ALPHANUMERIC:
        return "latin"
    if "CJK UNIFIED IDEOGRAPH" in unicodedata.name(char, ""):
        return "han"
    return "other"


def normalize_label(text: str) -> str:
    """Normalise a label with NFKC (full-width Ａ→A, compatibility ideographs → unified) and strip spaces."""
    return unicodedata.normalize("NFKC", text).strip()


def load_charset(spec: str) -> str:
    """Resolve a charset spec from params into a string of unique characters, in order.

    ``spec`` is one of: ``gb2312-1``, ``alnum`` (0-9A-Za-z), ``upper-digits`` (0-9A-Z),
    ``file:PATH`` (one character per line, or a plain text whose characters are all taken),
    or a literal string of characters prefixed by ``chars:``.
    """
    if spec == "gb2312-1":
        chars = gb2312_level1()
    elif spec == "alnum":
        chars = ALPHANUMERIC
    elif spec == "upper-digits":
        chars = DIGITS + LATIN_UPPER
    elif spec.startswith("chars:"):
        chars = spec[len("chars:") :]
    elif spec.startswith("file:"):
        path = Path(spec[len("file:") :])
        if not path.is_file():
            raise FileNotFoundError(f"charset file not found: {path} (from charset spec '{spec}')")
        chars = "".join(
            line.strip().split(",")[0] for line in path.read_text(encoding="utf-8").splitlines()
        )
    else:
        raise ValueError(
            f"unknown charset spec '{spec}'; expected gb2312-1, alnum, upper-digits, chars:..., or file:PATH"
        )
    seen: dict[str, None] = {}
    for char in normalize_label(chars):
        if not char.isspace():
            seen.setdefault(char, None)
    return "".join(seen)
