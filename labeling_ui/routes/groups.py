"""Routes that list the look-alike groups, return one group, and merge or split groups."""

from __future__ import annotations

from fastapi import APIRouter

from labeling_ui.dependencies import ServiceDep
from labeling_ui.errors import (
    GroupEditConflictError,
    InvalidDecisionError,
    InvalidGroupEditError,
    NothingToUndoError,
    StoreBusyError,
    UnknownGroupError,
)
from labeling_ui.routes.errors import domain_errors
from labeling_ui.schemas import (
    GroupDetail,
    GroupEditsOut,
    GroupSummary,
    GroupUndoRequest,
    MergeRequest,
    SplitRequest,
)

router = APIRouter(prefix="/api", tags=["groups"])

STATUS_CODES = {
    UnknownGroupError: 404,
    InvalidDecisionError: 422,
    InvalidGroupEditError: 422,
    GroupEditConflictError: 409,
    NothingToUndoError: 409,
    StoreBusyError: 503,
}


@router.get("/groups", response_model=list[GroupSummary])
def list_groups(service: ServiceDep) -> list[GroupSummary]:
    with domain_errors(STATUS_CODES):
        return service.groups()


@router.get("/groups/{group_id}", response_model=GroupDetail)
def get_group(group_id: str, service: ServiceDep) -> GroupDetail:
    with domain_errors(STATUS_CODES):
        return service.group(group_id)


@router.post("/groups/{group_id}/merge", response_model=GroupEditsOut)
def post_merge(group_id: str, request: MergeRequest, service: ServiceDep) -> GroupEditsOut:
    with domain_errors(STATUS_CODES):
        return service.merge_groups(group_id, request)


@router.post("/groups/{group_id}/split", response_model=GroupEditsOut)
def post_split(group_id: str, request: SplitRequest, service: ServiceDep) -> GroupEditsOut:
    with domain_errors(STATUS_CODES):
        return service.split_group(group_id, request)


@router.get("/group-edits", response_model=GroupEditsOut)
def get_group_edits(service: ServiceDep) -> GroupEditsOut:
    with domain_errors(STATUS_CODES):
        return service.group_edits()


@router.post("/group-edits/undo", response_model=GroupEditsOut)
def post_group_undo(request: GroupUndoRequest, service: ServiceDep) -> GroupEditsOut:
    with domain_errors(STATUS_CODES):
        return service.undo_group_edit(request.annotator)
