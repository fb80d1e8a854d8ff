"""Write the decisions in force as ``labels/overrides.tsv``, the file the export stage reads."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from labeling_ui.store import CropState, GroupEvent, LabelStore
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


def group_edit_row(edit: GroupEvent) -> tuple[str, ...]:
    """Return the overrides row of a ``merge_groups`` or ``split_group`` edit (no reason)."""
    return (edit.group_id, edit.action, edit.value, edit.annotator, edit.created_at, "")


def render_overrides(states: dict[str, CropState], group_edits: Iterable[GroupEvent] = ()) -> str:
    """Render the overrides TSV: the header, crop rows by crop id, then group edits in order.

    Crop rows are one per crop with a decision in force. Group edits follow in the order they
    were made, because the export applies them in file order.
    Fields are joined by tabs without quoting, as the export stage splits them. No field can hold a
    tab or a line break because labels are single non-space characters, split values contain no
    whitespace, and annotator names are validated. Group ids come from the dataset or from the
    groups its edits created.
    """
    lines = ["\t".join(HEADER)]
    for crop_id in sorted(states):
        row = override_row(states[crop_id])
        if row is not None:
            lines.append("\t".join(row))
    lines += ["\t".join(group_edit_row(edit)) for edit in group_edits]
    return "\n".join(lines) + "\n"


def export_overrides(store: LabelStore, out_path: str | Path) -> int:
    """Write the overrides file atomically and return the number of rows below the header."""
    text = render_overrides(store.states(), store.group_edits())
    write_text_atomic(out_path, text)
    rows = text.count("\n") - 1
    logger.info("wrote %d overrides to %s", rows, out_path)
    return rows
