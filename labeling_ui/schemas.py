"""Request and response models of the labeling API."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Action = Literal["confirm", "relabel", "reject"]
RejectReason = Literal["not_a_glyph", "unreadable", "bad_crop"]


class CropOut(BaseModel):
    """One crop as the page shows it: exported character, current label and why it is suspicious.

    ``synthetic`` marks a rendered glyph, which can be confirmed or rejected but not relabeled.
    ``model_score`` is the softmax score of ``predicted``.
    """

    crop_id: str
    character: str
    label: str
    status: Literal["unreviewed", "confirmed", "relabeled", "rejected"]
    reason: str | None = None
    version: int
    annotator: str | None = None
    split: str
    source: str | None = None
    synthetic: bool = False
    ocr_score: float | None = None
    predicted: str | None = None
    model_score: float | None = None
    suspicion: float
    suspicion_reasons: list[str]
    image_url: str


class DatasetInfo(BaseModel):
    """Name of the loaded dataset (its directory name) and its number of groups."""

    name: str
    groups: int


class GroupSummary(BaseModel):
    """Size and review progress of one look-alike group."""

    group_id: str
    members: list[str]
    total: int
    reviewed: int


class GroupDetail(GroupSummary):
    """A group with its crops, most suspicious first, and its neighbours in group order."""

    index: int
    group_count: int
    previous_group_id: str | None
    next_group_id: str | None
    crops: list[CropOut]


class DecisionItem(BaseModel):
    crop_id: str = Field(min_length=1, max_length=64)
    base_version: int = Field(ge=0)


class DecisionRequest(BaseModel):
    """One decision applied to one or many crops, which all change or all stay unchanged."""

    annotator: str
    action: Action
    items: list[DecisionItem] = Field(min_length=1, max_length=5000)
    label: str | None = None
    reason: RejectReason | None = None


class UndoRequest(BaseModel):
    annotator: str


class DecisionResult(BaseModel):
    """The crops after a decision or an undo, and the ids of the events appended."""

    event_ids: list[int]
    crops: list[CropOut]


class Conflict(BaseModel):
    """The current value of a crop that changed after the client loaded it."""

    crop_id: str
    base_version: int
    version: int
    status: str
    label: str
    annotator: str | None


class ConflictResponse(BaseModel):
    detail: str
    conflicts: list[Conflict]


class AnnotatorProgress(BaseModel):
    """Decisions in force by one annotator, and every event they appended (undos included)."""

    annotator: str
    decisions: int
    events: int


class ProgressOut(BaseModel):
    total: int
    reviewed: int
    groups: list[GroupSummary]
    annotators: list[AnnotatorProgress]


class ExportResult(BaseModel):
    path: str
    rows: int


class MergeRequest(BaseModel):
    """Merge ``other_group_id`` into the group named in the path."""

    annotator: str
    other_group_id: str = Field(max_length=128)


class SplitRequest(BaseModel):
    """Move ``characters`` (for example "O0" or "巳, 己") out of the group into a new group."""

    annotator: str
    characters: str = Field(max_length=64)


class GroupUndoRequest(BaseModel):
    annotator: str


class GroupEditOut(BaseModel):
    """One group edit as the overrides file writes it; ``undoes`` is set only on undo events."""

    event_id: int
    group_id: str
    action: Literal["merge_groups", "split_group", "undo"]
    value: str
    annotator: str
    created_at: str
    undoes: int | None = None


class EditedGroup(BaseModel):
    group_id: str
    members: list[str]


class GroupEditsOut(BaseModel):
    """The group edits in force, oldest first, and the groups the next export builds from them.

    ``event`` is the event a POST appended (the edit, or the undo event); a GET leaves it empty.
    """

    event: GroupEditOut | None = None
    edits: list[GroupEditOut]
    groups: list[EditedGroup]
