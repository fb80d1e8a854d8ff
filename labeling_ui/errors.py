"""Domain errors of the labeling service; each route module maps them to HTTP status codes."""

from __future__ import annotations

from typing import Any


class LabelingError(Exception):
    """Base class for errors that a route turns into an HTTP error response."""


class UnknownCropError(LabelingError):
    """A crop id that is not in the loaded dataset."""

    def __init__(self, crop_id: str) -> None:
        super().__init__(f"unknown crop id {crop_id!r}: it is not in the loaded dataset")
        self.crop_id = crop_id


class UnknownGroupError(LabelingError):
    """A group id that is not in the loaded dataset."""

    def __init__(self, group_id: str) -> None:
        super().__init__(f"unknown group id {group_id!r}: it is not in the loaded dataset")
        self.group_id = group_id


class InvalidDecisionError(LabelingError):
    """A decision whose label, reason, action or annotator is invalid."""


class RenderedCropError(InvalidDecisionError):
    """A relabel of rendered (synthetic) crops, whose labels are the text they were drawn from."""

    def __init__(self, crops: list[Any], selected: int) -> None:
        if len(crops) == 1 and selected == 1:
            crop = crops[0]
            message = (
                f"crop {crop.crop_id} is a rendered glyph of {crop.character!r}. Its label is the "
                "text it was drawn from, so it cannot be relabeled. Reject it if the rendering is "
                "wrong"
            )
        else:
            listed = ", ".join(f"{crop.crop_id} ({crop.character!r})" for crop in crops[:5])
            more = f" and {len(crops) - 5} more" if len(crops) > 5 else ""
            verb = "is a rendered glyph" if len(crops) == 1 else "are rendered glyphs"
            message = (
                f"{len(crops)} of the {selected} crops {verb}: {listed}{more}. Rendered glyphs "
                "are labeled with the text they were drawn from, so they cannot be relabeled. "
                "Nothing was saved. Leave them out of the selection, or reject them if the "
                "rendering is wrong"
            )
        super().__init__(message)
        self.crop_ids = [crop.crop_id for crop in crops]


class StaleEditError(LabelingError):
    """An edit based on an old version of a crop; ``conflicts`` contains the current values."""

    def __init__(self, conflicts: list[dict[str, Any]]) -> None:
        ids = ", ".join(conflict["crop_id"] for conflict in conflicts)
        super().__init__(
            f"{len(conflicts)} crop(s) changed since you loaded them ({ids}); "
            "nothing was saved, reload the group and decide again"
        )
        self.conflicts = conflicts


class InvalidGroupEditError(LabelingError):
    """A merge or split that the current groups do not allow (a self-merge, a non-member...)."""


class GroupEditConflictError(LabelingError):
    """An undo of a group edit that later group edits build on."""

    def __init__(self, edit: Any, later: list[Any]) -> None:
        names = ", ".join(f"{e.action} {e.group_id} {e.value} by {e.annotator}" for e in later)
        super().__init__(
            f"cannot undo {edit.action} {edit.group_id} {edit.value}: {len(later)} later group "
            f"edit(s) depend on it ({names}); those must be undone first by their annotators"
        )
        self.edit = edit
        self.later = later


class NothingToUndoError(LabelingError):
    """An undo request from an annotator who has no decision left to undo."""


class StoreBusyError(LabelingError):
    """The SQLite database stayed locked for longer than the busy timeout."""


class StoreCorruptError(LabelingError):
    """The label database file exists but is not a usable SQLite database of this service."""


class DatasetError(LabelingError):
    """The dataset directory is missing or does not contain an exported dataset."""


class PredictionsError(LabelingError):
    """A predictions file named on the command line that is missing or unreadable."""
