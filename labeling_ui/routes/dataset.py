"""Route that names the loaded dataset."""

from __future__ import annotations

from fastapi import APIRouter

from labeling_ui.dependencies import ServiceDep
from labeling_ui.schemas import DatasetInfo

router = APIRouter(prefix="/api", tags=["dataset"])


@router.get("/dataset", response_model=DatasetInfo)
def get_dataset(service: ServiceDep) -> DatasetInfo:
    return DatasetInfo(name=service.dataset.name, groups=len(service.group_ids))
