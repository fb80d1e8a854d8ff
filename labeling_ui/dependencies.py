"""FastAPI dependencies shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from labeling_ui.service import LabelingService


def get_service(request: Request) -> LabelingService:
    return request.app.state.service


ServiceDep = Annotated[LabelingService, Depends(get_service)]
