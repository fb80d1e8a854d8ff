"""The labeling service: joins the dataset, the decision store and the suspicion ordering."""

from __future__ import annotations

import logging
import re
import unicodedata
from pathlib import Path

from labeling_ui.config import Settings
from labeling_ui.dataset import Crop, GlyphDataset, load_dataset_dir
from labeling_ui.errors import (
    InvalidDecisionError,
    RenderedCropError,
    UnknownCropError,
    UnknownGroupError,
)
from labeling_ui.group_edits import check_merge, check_split, edited_groups
from labeling_ui.overrides import export_overrides
from labeling_ui.predictions import Prediction, load_predictions
from labeling_ui.schemas import (
    AnnotatorProgress,
    CropOut,
    DecisionRequest,
    DecisionResult,
    EditedGroup,
    GroupDetail,
    GroupEditOut,
    GroupEditsOut,
    GroupSummary,
    MergeRequest,
    ProgressOut,
    SplitRequest,
)
from labeling_ui.store import CropState, Event, GroupEvent, LabelStore
from labeling_ui.suspicion import near_duplicate_conflicts, suspicion_reasons, suspicion_score
from pipeline.common.charsets import normalize_label

logger = logging.getLogger(__name__)

# Names end up in the overrides TSV, so they exclude tabs, spaces and line breaks.
ANNOTATOR_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")


def validate_annotator(name: str) -> str:
    """Return ``name`` if it is a valid annotator name, else raise InvalidDecisionError."""
    if not ANNOTATOR_PATTERN.fullmatch(name or ""):
        raise InvalidDecisionError(
            f"invalid annotator name {name!r}: use 1-32 ASCII letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return name


def validate_label(label: str | None) -> str:
    """Return the NFKC-normalised label if it is exactly one visible character."""
    text = normalize_label(label or "")
    if len(text) != 1:
        raise InvalidDecisionError(
            f"a relabel needs exactly one character, got {label!r} "
            f"({len(text)} characters after NFKC normalisation)"
        )
    if unicodedata.category(text)[0] in ("C", "Z"):
        raise InvalidDecisionError(
            f"a relabel needs a visible character, got U+{ord(text):04X} "
            f"({unicodedata.name(text, 'unnamed')})"
        )
    return text


class LabelingService:
    """Read crops and groups, record decisions and export the overrides file."""

    def __init__(self, settings: Settings, dataset: GlyphDataset, store: LabelStore) -> None:
        self.settings = settings
        self.dataset = dataset
        self.store = store
        predictions_path = settings.predictions_path or settings.default_predictions_path()
        self.predictions: dict[str, Prediction] = load_predictions(
            predictions_path,
            dataset.crops.keys(),
            dataset.name,
            required=settings.predictions_path is not None,
        )
        self.group_ids = list(dataset.groups)

    @classmethod
    def from_settings(cls, settings: Settings) -> LabelingService:
        """Load the dataset and open (or create) the label database named in ``settings``."""
        dataset = load_dataset_dir(settings.data_dir)
        store = LabelStore(settings.db_path, busy_timeout_ms=settings.busy_timeout_ms)
        return cls(settings, dataset, store)

    def crop(self, crop_id: str) -> Crop:
        try:
            return self.dataset.crops[crop_id]
        except KeyError:
            raise UnknownCropError(crop_id) from None

    def image(self, crop_id: str) -> bytes:
        """Return the PNG bytes of a crop of the dataset."""
        self.crop(crop_id)
        try:
            return self.dataset.images[crop_id]
        except KeyError:
            raise UnknownCropError(crop_id) from None

    def _crop_out(self, crop: Crop, state: CropState, flagged: bool) -> CropOut:
        label = state.label(crop.character)
        prediction = self.predictions.get(crop.crop_id)
        reasons = suspicion_reasons(
            crop,
            label,
            prediction,
            flagged,
            low_score=self.settings.low_score,
            model_min_score=self.settings.model_min_score,
        )
        decision = state.decision
        return CropOut(
            crop_id=crop.crop_id,
            character=crop.character,
            label=label,
            status=state.status,
            reason=decision.reason if decision else None,
            version=state.version,
            annotator=decision.annotator if decision else None,
            split=crop.split,
            source=crop.source,
            synthetic=crop.rendered,
            ocr_score=None if crop.ocr_score is None else round(crop.ocr_score, 4),
            predicted=prediction.predicted if prediction else None,
            model_score=round(prediction.score, 4) if prediction else None,
            suspicion=round(suspicion_score(reasons, crop, prediction), 4),
            suspicion_reasons=reasons,
            image_url=f"/api/crops/{crop.crop_id}/image",
        )

    def _crops_out(self, crops: list[Crop], states: dict[str, CropState]) -> list[CropOut]:
        def state(crop_id: str) -> CropState:
            return states.get(crop_id) or CropState(crop_id)

        labels = {crop.crop_id: state(crop.crop_id).label(crop.character) for crop in crops}
        flagged = near_duplicate_conflicts(crops, labels, self.settings.phash_max_hamming)
        return [self._crop_out(c, state(c.crop_id), c.crop_id in flagged) for c in crops]

    def crop_out(self, crop_id: str) -> CropOut:
        crop = self.crop(crop_id)
        group = self.dataset.crops_in_group(crop.group_id)
        crops = self._crops_out(group, self.store.states())
        return next(out for out in crops if out.crop_id == crop_id)

    def _summary(self, group_id: str, states: dict[str, CropState]) -> GroupSummary:
        crops = self.dataset.crops_in_group(group_id)
        reviewed = sum(1 for c in crops if c.crop_id in states and states[c.crop_id].decision)
        return GroupSummary(
            group_id=group_id,
            members=self.dataset.groups[group_id],
            total=len(crops),
            reviewed=reviewed,
        )

    def groups(self) -> list[GroupSummary]:
        states = self.store.states()
        return [self._summary(group_id, states) for group_id in self.group_ids]

    def group(self, group_id: str) -> GroupDetail:
        """Return a group with its crops, most suspicious first (ties by crop id)."""
        if group_id not in self.dataset.groups:
            raise UnknownGroupError(group_id)
        states = self.store.states()
        crops = self._crops_out(self.dataset.crops_in_group(group_id), states)
        crops.sort(key=lambda out: (-out.suspicion, out.crop_id))
        index = self.group_ids.index(group_id)
        return GroupDetail(
            **self._summary(group_id, states).model_dump(),
            index=index,
            group_count=len(self.group_ids),
            previous_group_id=self.group_ids[index - 1] if index > 0 else None,
            next_group_id=self.group_ids[index + 1] if index + 1 < len(self.group_ids) else None,
            crops=crops,
        )

    def decide(self, request: DecisionRequest) -> DecisionResult:
        """Validate a decision and append one event per crop (all or none)."""
        annotator = validate_annotator(request.annotator)
        label = validate_label(request.label) if request.action == "relabel" else None
        if request.action == "reject" and request.reason is None:
            raise InvalidDecisionError(
                "a reject needs a reason: one of not_a_glyph, unreadable, bad_crop"
            )
        base_versions = {item.crop_id: item.base_version for item in request.items}
        crops = [self.crop(crop_id) for crop_id in base_versions]
        # The export draws a rendered glyph's label from its text, so a relabel could never apply.
        # NOTE: a database written by a server without this check may still hold such relabels.
        # They show as relabeled and are written to overrides.tsv; the export ignores them with
        # a warning.
        rendered = [crop for crop in crops if crop.rendered]
        if request.action == "relabel" and rendered:
            raise RenderedCropError(rendered, len(crops))
        labels = {crop.crop_id: crop.character for crop in crops}
        events = self.store.record(
            annotator, request.action, base_versions, labels, new_label=label, reason=request.reason
        )
        return self._result(events)

    def undo(self, annotator: str) -> DecisionResult:
        """Append compensating events for the annotator's latest decision still in force."""
        return self._result(self.store.undo(validate_annotator(annotator)))

    def _result(self, events: list[Event]) -> DecisionResult:
        states = self.store.states()
        crops = self._crops_out([self.crop(event.crop_id) for event in events], states)
        return DecisionResult(event_ids=[event.event_id for event in events], crops=crops)

    def group_edits(self, event: GroupEvent | None = None) -> GroupEditsOut:
        """Return the group edits in force and the groups they produce from the dataset's groups."""
        edits = self.store.group_edits()
        groups = edited_groups(self.dataset.groups, edits)
        return GroupEditsOut(
            event=None if event is None else GroupEditOut(**vars(event)),
            edits=[GroupEditOut(**vars(edit)) for edit in edits],
            groups=[EditedGroup(group_id=g, members=m) for g, m in groups.items()],
        )

    def merge_groups(self, group_id: str, request: MergeRequest) -> GroupEditsOut:
        """Record that ``request.other_group_id`` is merged into ``group_id``."""
        annotator = validate_annotator(request.annotator)
        other = request.other_group_id.strip()

        def check(edits: list[GroupEvent]) -> str:
            check_merge(self.dataset.groups, edits, group_id, other)
            return other

        event = self.store.record_group_edit(annotator, "merge_groups", group_id, check)
        return self.group_edits(event)

    def split_group(self, group_id: str, request: SplitRequest) -> GroupEditsOut:
        """Record that ``request.characters`` leave ``group_id`` for a new group."""
        annotator = validate_annotator(request.annotator)

        def check(edits: list[GroupEvent]) -> str:
            return check_split(self.dataset.groups, edits, group_id, request.characters)

        event = self.store.record_group_edit(annotator, "split_group", group_id, check)
        return self.group_edits(event)

    def undo_group_edit(self, annotator: str) -> GroupEditsOut:
        """Revert the annotator's newest group edit in force."""
        return self.group_edits(self.store.undo_group_edit(validate_annotator(annotator)))

    def progress(self) -> ProgressOut:
        """Return review progress per group and per annotator."""
        states = self.store.states()
        groups = [self._summary(group_id, states) for group_id in self.group_ids]
        decisions: dict[str, int] = {}
        for crop_id, state in states.items():
            if state.decision and crop_id in self.dataset.crops:
                decisions[state.decision.annotator] = decisions.get(state.decision.annotator, 0) + 1
        annotators = [
            AnnotatorProgress(annotator=name, decisions=decisions.get(name, 0), events=count)
            for name, count in self.store.event_counts().items()
        ]
        return ProgressOut(
            total=sum(group.total for group in groups),
            reviewed=sum(group.reviewed for group in groups),
            groups=groups,
            annotators=annotators,
        )

    def export(self, out_path: Path | None = None) -> tuple[Path, int]:
        """Write the overrides file (by default the configured path) and return path and row count."""
        path = out_path or self.settings.overrides_path
        return path, export_overrides(self.store, path)
