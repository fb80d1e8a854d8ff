"""Collect the candidate characters per script: charsets from params plus every cropped label."""

from __future__ import annotations

import logging
from pathlib import Path

from pipeline.common.charsets import load_charset, script_of
from pipeline.common.fonts import FontFace
from pipeline.common.logs import SkipCounter
from pipeline.mining.crops import read_crop_labels

logger = logging.getLogger(__name__)

SCRIPTS = ("han", "latin")


def candidate_chars(
    specs: dict[str, str], crops_dir: str | Path | None, skips: SkipCounter
) -> dict[str, list[str]]:
    """Return candidate characters per script, in charset order, then crop labels not yet listed.

    A crop label whose stored script disagrees with ``script_of`` is filed under ``script_of``,
    and labels of script ``other`` are skipped (no reference covers them).
    """
    candidates: dict[str, dict[str, None]] = {}
    for script, spec in specs.items():
        if script not in SCRIPTS:
            raise ValueError(f"mining.candidates: unknown script '{script}'; expected han or latin")
        chars = dict.fromkeys(load_charset(spec))
        for char in list(chars):
            if script_of(char) != script:
                skips.skip("candidate_wrong_script", repr(char), f"listed under {script}")
                del chars[char]
        candidates[script] = chars
    for label, _ in _crop_labels(crops_dir):
        if len(label) != 1:
            skips.skip("crop_label_not_one_char", repr(label), "expected one character")
            continue
        script = script_of(label)
        if script not in SCRIPTS:
            skips.skip("crop_label_other_script", repr(label), "only han and latin are mined")
            continue
        candidates.setdefault(script, {}).setdefault(label, None)
    return {script: list(chars) for script, chars in candidates.items() if chars}


def _crop_labels(crops_dir: str | Path | None) -> list[tuple[str, str]]:
    if not crops_dir:
        return []
    try:
        labels = read_crop_labels(crops_dir)
    except FileNotFoundError as error:
        logger.warning("no crop labels added: %s", error)
        return []
    logger.info("read %d distinct crop labels from %s", len(labels), crops_dir)
    return labels


def preferred_faces(keys: list[str], faces: list[FontFace]) -> list[FontFace]:
    """Return the faces named by ``file#index`` keys in that order, then every other face.

    The named faces come first, so each character is drawn in them when they cover it. The rest
    serve as a fallback for characters none of them covers. Unknown keys are logged, not fatal.
    """
    by_key = {face.key: face for face in faces}
    chosen = []
    for key in keys:
        if key in by_key:
            chosen.append(by_key[key])
        else:
            logger.warning("font %s from mining.fonts is not installed; ignored", key)
    chosen_keys = {face.key for face in chosen}
    return chosen + [face for face in faces if face.key not in chosen_keys]
