"""Turn domain errors into JSON error responses ``{"detail": message, ...}``."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from labeling_ui.errors import LabelingError, StaleEditError

logger = logging.getLogger(__name__)


class ApiError(Exception):
    """An HTTP error with a message and optional extra fields in the JSON body."""

    def __init__(self, status_code: int, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail
        self.extra = extra


@contextlib.contextmanager
def domain_errors(status_codes: dict[type[LabelingError], int]) -> Iterator[None]:
    """Re-raise the listed domain errors as ApiError with their status code.

    A stale edit also returns the current values of the conflicting crops, so the page can show
    them without another request.
    """
    try:
        yield
    except LabelingError as error:
        status = next(
            (code for kind, code in status_codes.items() if isinstance(error, kind)), None
        )
        if status is None:
            raise
        extra = {"conflicts": error.conflicts} if isinstance(error, StaleEditError) else {}
        logger.log(logging.WARNING if status >= 409 else logging.INFO, "HTTP %d: %s", status, error)
        raise ApiError(status, str(error), **extra) from error


async def api_error_handler(request: Request, error: ApiError) -> JSONResponse:
    return JSONResponse({"detail": error.detail, **error.extra}, status_code=error.status_code)
