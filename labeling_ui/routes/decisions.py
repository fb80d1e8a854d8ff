"""Routes that record decisions, undo them and write the overrides file."""

from __future__ import annotations

from fastapi import APIRouter

from labeling_ui.dependencies import ServiceDep
from labeling_ui.errors import (
    InvalidDecisionError,
    NothingToUndoError,
    StaleEditError,
    StoreBusyError,
    UnknownCropError,
)
from labeling_ui.routes.errors import domain_errors
from labeling_ui.schemas import (
    ConflictResponse,
    DecisionRequest,
    DecisionResult,
    ExportResult,
    UndoRequest,
)

router = APIRouter(prefix="/api", tags=["decisions"])

STATUS_CODES = {
    UnknownCropError: 404,
    InvalidDecisionError: 422,
    StaleEditError: 409,
    NothingToUndoError: 409,
    StoreBusyError: 503,
}
ERROR_RESPONSES = {409: {"model": ConflictResponse, "description": "a crop changed meanwhile"}}


@router.post("/decisions", response_model=DecisionResult, responses=ERROR_RESPONSES)
def post_decision(request: DecisionRequest, service: ServiceDep) -> DecisionResult:
    with domain_errors(STATUS_CODES):
        return service.decide(request)


@router.post("/undo", response_model=DecisionResult, responses=ERROR_RESPONSES)
def post_undo(request: UndoRequest, service: ServiceDep) -> DecisionResult:
    with domain_errors(STATUS_CODES):
        return service.undo(request.annotator)


@router.post("/export", response_model=ExportResult)
def post_export(service: ServiceDep) -> ExportResult:
    with domain_errors(STATUS_CODES):
        path, rows = service.export()
    return ExportResult(path=str(path), rows=rows)
