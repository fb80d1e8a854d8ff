"""Build the FastAPI application: routers, static page, token and body-size middleware."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from labeling_ui.config import Settings
from labeling_ui.routes import crops, dataset, decisions, groups, progress
from labeling_ui.routes.errors import ApiError, api_error_handler
from labeling_ui.security import BodySizeLimitMiddleware, TokenMiddleware
from labeling_ui.service import LabelingService

STATIC_DIR = Path(__file__).parent / "static"


def create_app(settings: Settings, service: LabelingService | None = None) -> FastAPI:
    """Create the app for ``settings``, loading the dataset and database unless ``service`` is given."""
    app = FastAPI(title="Glyph relabeling", docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.service = service or LabelingService.from_settings(settings)
    app.add_exception_handler(ApiError, api_error_handler)
    for module in (dataset, groups, crops, decisions, progress):
        app.include_router(module.router)

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-store"})

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    # Starlette runs the middleware added last first: the size limit applies before the token check.
    if settings.token:
        app.add_middleware(TokenMiddleware, token=settings.token)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    return app
