"""Routes that return one crop and its image, addressed only by crop id."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from labeling_ui.dependencies import ServiceDep
from labeling_ui.errors import StoreBusyError, UnknownCropError
from labeling_ui.routes.errors import domain_errors
from labeling_ui.schemas import CropOut

router = APIRouter(prefix="/api/crops", tags=["crops"])

STATUS_CODES = {UnknownCropError: 404, StoreBusyError: 503}


@router.get("/{crop_id}", response_model=CropOut)
def get_crop(crop_id: str, service: ServiceDep) -> CropOut:
    with domain_errors(STATUS_CODES):
        return service.crop_out(crop_id)


@router.get("/{crop_id}/image", response_class=Response)
def get_crop_image(crop_id: str, service: ServiceDep) -> Response:
    # The id is only a dictionary key of the loaded dataset, never part of a file path.
    with domain_errors(STATUS_CODES):
        data = service.image(crop_id)
    return Response(
        data,
        media_type="image/png",
        headers={"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )
