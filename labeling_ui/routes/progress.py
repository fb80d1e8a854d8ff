"""Route that reports review progress per group and per annotator."""

from __future__ import annotations

from fastapi import APIRouter

from labeling_ui.dependencies import ServiceDep
from labeling_ui.errors import StoreBusyError
from labeling_ui.routes.errors import domain_errors
from labeling_ui.schemas import ProgressOut

router = APIRouter(prefix="/api", tags=["progress"])

STATUS_CODES = {StoreBusyError: 503}


@router.get("/progress", response_model=ProgressOut)
def get_progress(service: ServiceDep) -> ProgressOut:
    with domain_errors(STATUS_CODES):
        return service.progress()
