"""Routes that list the look-alike groups and return one group with its crops."""

from __future__ import annotations

from fastapi import APIRouter

from labeling_ui.dependencies import ServiceDep
from labeling_ui.errors import StoreBusyError, UnknownGroupError
from labeling_ui.routes.errors import domain_errors
from labeling_ui.schemas import GroupDetail, GroupSummary

router = APIRouter(prefix="/api/groups", tags=["groups"])

STATUS_CODES = {UnknownGroupError: 404, StoreBusyError: 503}


@router.get("", response_model=list[GroupSummary])
def list_groups(service: ServiceDep) -> list[GroupSummary]:
    with domain_errors(STATUS_CODES):
        return service.groups()


@router.get("/{group_id}", response_model=GroupDetail)
def get_group(group_id: str, service: ServiceDep) -> GroupDetail:
    with domain_errors(STATUS_CODES):
        return service.group(group_id)
