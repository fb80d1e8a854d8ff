"""Command line: serve the relabeling UI, or write the overrides file from a label database.

python -m labeling_ui --data rcc-fgvc [--db labels/labels.db] [--port 8765] [--model-min-score 0.5]
python -m labeling_ui export-overrides --db labels/labels.db --out labels/overrides.tsv
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
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
# Command-line option of each Settings field, so that a validation error names what to change.
FIELD_OPTIONS = {
    "data_dir": "--data",
    "db_path": "--db",
    "overrides_path": "--overrides",
    "predictions_path": "--predictions",
    "host": "--host",
    "port": "--port",
    "token": "--token",
    "model_min_score": "--model-min-score",
}


def port_number(text: str) -> int:
    """Parse a TCP port for argparse: an integer from 0 (any free port) to 65535."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer port number, got {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"must be between 0 and 65535, got {port}")
    return port


def unit_fraction(text: str) -> float:
    """Parse a probability for argparse: a number from 0 to 1."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number from 0 to 1, got {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


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
        "--port",
        type=port_number,
        default=8765,
        help="TCP port to listen on; 0 picks a free port and logs it (default: 8765)",
    )
    parser.add_argument(
        "--model-min-score",
        type=unit_fraction,
        default=0.5,
        help="minimum softmax score of a prediction that differs from the label for the "
        "model_disagrees reason, from 0 to 1 (default: 0.5)",
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


def bind_socket(host: str, port: int) -> socket.socket:
    """Bind a TCP socket to ``host:port``, so that the port is known before serving, even for 0."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise LabelingError(
            f"cannot listen on {host} port {port}: {error.strerror or error}; pass another "
            "--port (0 picks a free one) or another --host"
        ) from error
    return sock


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
        model_min_score=args.model_min_score,
    )
    app = create_app(settings)
    logging.getLogger("uvicorn.access").addFilter(RedactTokenFilter())
    sock = bind_socket(settings.host, settings.port)
    port = sock.getsockname()[1]
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    logger.info(
        "serving %s on http://%s:%d/ (database %s)",
        settings.dataset_name,
        host,
        port,
        settings.db_path,
    )
    config = uvicorn.Config(app, host=settings.host, port=port, log_level="info")
    uvicorn.Server(config).run(sockets=[sock])


def export(argv: list[str]) -> None:
    from labeling_ui.overrides import export_overrides
    from labeling_ui.store import LabelStore

    args = build_export_parser().parse_args(argv)
    if not args.db.is_file():
        raise LabelingError(f"label database not found: {args.db}; pass the --db the server used")
    out = resolve_overrides_path(args.out, args.params)
    export_overrides(LabelStore(args.db), out)  # logs "wrote N overrides to OUT"


def validation_messages(error: ValidationError) -> str:
    """Join the messages of a settings error, each after the option of its field if it has one."""
    messages = []
    for detail in error.errors():
        message = detail["msg"].removeprefix("Value error, ")
        field = detail["loc"][0] if detail["loc"] else None
        option = FIELD_OPTIONS.get(field) if isinstance(field, str) else None
        messages.append(f"{option}: {message}" if option else message)
    return "; ".join(messages)


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
        logger.error("invalid settings: %s", validation_messages(error))
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
