"""Read annotation and label files whose encoding is not always UTF-8."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from pipeline.common.logs import SkipCounter

logger = logging.getLogger(__name__)


def read_text(path: Path, *, skips: SkipCounter) -> str | None:
    """Decode a text file as UTF-8 (BOM stripped), else GB 18030 with a warning.

    GB 18030 is the fallback because Chinese scene-text annotations are often saved in GBK by
    Windows tools. Returns None, after a counted skip, when the file is missing or neither
    encoding decodes it.

    NOTE: a short GBK text can also be valid UTF-8 (e.g. 末 = C4 A9 = ĩ) and is then read as
    UTF-8 without a warning. Only texts with a byte sequence invalid in UTF-8 are detected.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        skips.skip("annotation_file_not_found", path)
        return None
    except OSError as error:
        skips.skip("unreadable_file", path, str(error))
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as error:
        skips.skip(
            "undecodable_text_file", path, f"neither UTF-8 nor GB 18030 ({error}); re-save as UTF-8"
        )
        return None
    logger.warning("%s is not UTF-8; decoded it as GB 18030, check its labels", path)
    skips.note("decoded_as_gb18030", path)
    return text


def read_json(path: Path, *, skips: SkipCounter) -> Any | None:
    """Read a JSON file with the encoding fallback of ``read_text`` (None after a counted skip)."""
    text = read_text(path, skips=skips)
    if text is None:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        skips.skip("invalid_json", path, str(error))
        return None
