"""Discover installed fonts and check which characters each one covers (by its cmap)."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from pathlib import Path

from fontTools.ttLib import TTCollection, TTFont, TTLibError

logger = logging.getLogger(__name__)

FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts")
FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc")


@dataclass(frozen=True)
class FontFace:
    """One face of a font file (collections such as .ttc hold several, selected by ``index``)."""

    path: str
    index: int
    name: str

    @property
    def key(self) -> str:
        return f"{Path(self.path).name}#{self.index}"


def _face_name(font: TTFont) -> str:
    name = font["name"].getDebugName(4) if "name" in font else None
    return name or "unknown"


@functools.lru_cache(maxsize=4096)
def face_cmap(path: str, index: int) -> frozenset[int]:
    """Return the set of code points a face maps to a glyph."""
    font = TTFont(path, fontNumber=index, lazy=True)
    try:
        cmap = font.getBestCmap() or {}
        return frozenset(cmap)
    finally:
        font.close()


def list_faces(directories: tuple[str, ...] = FONT_DIRS) -> list[FontFace]:
    """List every readable face under the font directories, sorted by file and index."""
    faces = []
    for directory in directories:
        root = Path(directory)
        if not root.is_dir():
            continue
        for path in sorted(p for p in root.rglob("*") if p.suffix.lower() in FONT_SUFFIXES):
            try:
                if path.suffix.lower() in (".ttc", ".otc"):
                    collection = TTCollection(str(path), lazy=True)
                    for index, font in enumerate(collection.fonts):
                        faces.append(FontFace(str(path), index, _face_name(font)))
                    collection.close()
                else:
                    font = TTFont(str(path), lazy=True)
                    faces.append(FontFace(str(path), 0, _face_name(font)))
                    font.close()
            except (TTLibError, OSError, KeyError, AssertionError) as error:
                logger.debug("skipped unreadable font %s: %s", path, error)
    return faces


def faces_covering(
    chars: str, faces: list[FontFace] | None = None, min_share: float = 1.0
) -> list[FontFace]:
    """Return the faces whose cmap covers at least ``min_share`` of ``chars``."""
    faces = list_faces() if faces is None else faces
    wanted = {ord(c) for c in chars}
    if not wanted:
        return []
    covering = []
    for face in faces:
        try:
            cmap = face_cmap(face.path, face.index)
        except (TTLibError, OSError, KeyError, AssertionError) as error:
            logger.debug("skipped font %s: cannot read cmap (%s)", face.key, error)
            continue
        if len(wanted & cmap) / len(wanted) >= min_share:
            covering.append(face)
    return covering


def covers(face: FontFace, char: str) -> bool:
    return ord(char) in face_cmap(face.path, face.index)
