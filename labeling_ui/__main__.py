"""Command line: serve the relabeling UI, or write the overrides file from a label database.

python -m labeling_ui --data rcc-fgvc [--db labels/labels.db] [--port 8765]
python -m labeling_ui export-overrides --db labels/labels.db --out labels/overrides.tsv
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from pydantic import ValidationError

from labeling_ui.config import Settings
from labeling_ui.errors import LabelingError
from pipeline.common.logs import setup_logging
from pipeline.common.params import DEFAULT_PARAMS_PATH, ParamsError, load_section

logger = logging.getLogger("labeling_ui")

TOKEN_ENV = "LABELING_UI_TOKEN"
FALLBACK_OVERRIDES = Path("labels/overrides.tsv")


def build_serve_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m labeling_ui",
        description="Serve the relabeling UI for an exported dataset. "
        "Run 'python -m labeling_ui export-overrides --help' for the export command.",
    )
    parser.add_argument(
        "--data", required=True, type=Path, help="exported dataset directory, e.g. rcc-fgvc"
    )
    parser.add_argument(
        "--db",
        type=Path,
        default=Path("labels/labels.db"),
        help="SQLite label database, created if missing (default: labels/labels.db)",
    )
    parser.add_argument(
        "--overrides",
        type=Path,
        default=None,
        help="overrides TSV the export button writes (default: export.overrides_path of --params)",
    )
    parser.add_argument(
        "--predictions",
        type=Path,
        default=None,
        help="parquet of model predictions (crop_id, predicted, score); "
        "default: predictions/<dataset>.parquet, written by the evaluate stage",
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to bind; any non-loopback address requires --token (default: 127.0.0.1)",
    )
    parser.add_argument(
        "--port", type=int, default=8765, help="TCP port to listen on (default: 8765)"
    )
    parser.add_argument(
        "--token",
        default=os.environ.get(TOKEN_ENV),
        help=f"access token of at least 8 characters (default: ${TOKEN_ENV})",
    )
    parser.add_argument(
        "--params",
        type=Path,
        default=DEFAULT_PARAMS_PATH,
        help="params file whose export.overrides_path is the default --overrides",
    )
    return parser


def build_export_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m labeling_ui export-overrides",
        description="Write the decisions in force in a label database as an overrides TSV.",
    )
    parser.add_argument("--db", type=Path, required=True, help="SQLite label database to read")
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="overrides TSV to write (default: export.overrides_path of --params)",
    )
    parser.add_argument(
        "--params",
        type=Path,
        default=DEFAULT_PARAMS_PATH,
        help="params file that names the default output",
    )
    return parser


def resolve_overrides_path(explicit: Path | None, params_path: Path) -> Path:
    """Return the overrides path: the explicit one, else the export stage's, else the default."""
    if explicit is not None:
        return explicit
    try:
        return Path(load_section("export", params_path).get("overrides_path", FALLBACK_OVERRIDES))
    except ParamsError:
        if params_path != DEFAULT_PARAMS_PATH:
            raise
        return FALLBACK_OVERRIDES


def serve(argv: list[str]) -> None:
    import uvicorn

    from labeling_ui.main import create_app
    from labeling_ui.security import RedactTokenFilter

    args = build_serve_parser().parse_args(argv)
    settings = Settings(
        data_dir=args.data,
        db_path=args.db,
        overrides_path=resolve_overrides_path(args.overrides, args.params),
        predictions_path=args.predictions,
        host=args.host,
        port=args.port,
        token=args.token or None,
    )
    app = create_app(settings)
    logging.getLogger("uvicorn.access").addFilter(RedactTokenFilter())
    logger.info(
        "serving %s on http://%s:%d/ (database %s)",
        settings.dataset_name,
        settings.host,
        settings.port,
        settings.db_path,
    )
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="info")


def export(argv: list[str]) -> None:
    from labeling_ui.overrides import export_overrides
    from labeling_ui.store import LabelStore

    args = build_export_parser().parse_args(argv)
    if not args.db.is_file():
        raise LabelingError(f"label database not found: {args.db}; pass the --db the server used")
    out = resolve_overrides_path(args.out, args.params)
    rows = export_overrides(LabelStore(args.db), out)
    print(f"wrote {rows} overrides to {out}")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    setup_logging()
    try:
        if argv[:1] == ["export-overrides"]:
            export(argv[1:])
        else:
            serve(argv)
    except (LabelingError, ParamsError) as error:
        logger.error("%s", error)
        return 1
    except ValidationError as error:
        messages = "; ".join(
            detail["msg"].removeprefix("Value error, ") for detail in error.errors()
        )
        logger.error("invalid settings: %s", messages)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
