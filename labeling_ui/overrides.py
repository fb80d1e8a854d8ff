"""Write the decisions in force as ``labels/overrides.tsv``, the file the export stage reads."""

from __future__ import annotations

import logging
from pathlib import Path

from labeling_ui.store import CropState, LabelStore
from pipeline.common.io import write_text_atomic

logger = logging.getLogger(__name__)

HEADER = ("target", "action", "value", "annotator", "timestamp", "reason")


def override_row(state: CropState) -> tuple[str, ...] | None:
    """Return the overrides row for one crop, or None if no decision on it is in force.

    The action comes from the resulting label, not from the last event, so confirming a crop that
    was relabeled earlier still exports the new character.
    """
    decision = state.decision
    if decision is None:
        return None
    status = state.status
    if status == "rejected":
        action, value, reason = "reject", "", decision.reason or ""
    elif status == "relabeled":
        action, value, reason = "relabel", decision.new_label or "", ""
    else:
        action, value, reason = "confirm", "", ""
    return (state.crop_id, action, value, decision.annotator, decision.created_at, reason)


def render_overrides(states: dict[str, CropState]) -> str:
    """Render the overrides TSV (header first, one row per decided crop, sorted by crop id).

    Fields are joined by tabs without quoting, as the export stage splits them. No field can hold a
    tab or a line break because labels are single non-space characters and annotator names are
    validated.
    """
    lines = ["\t".join(HEADER)]
    for crop_id in sorted(states):
        row = override_row(states[crop_id])
        if row is not None:
            lines.append("\t".join(row))
    return "\n".join(lines) + "\n"


def export_overrides(store: LabelStore, out_path: str | Path) -> int:
    """Write the overrides file atomically and return the number of rows below the header."""
    text = render_overrides(store.states())
    write_text_atomic(out_path, text)
    rows = text.count("\n") - 1
    logger.info("wrote %d overrides to %s", rows, out_path)
    return rows
