"""Typed settings of the labeling service, built from the command line or by tests."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from pydantic import BaseModel, Field, model_validator

LOOPBACK_HOSTS = {"localhost"}

# Decisions are small JSON bodies (a few hundred crop ids at most); anything larger is a mistake.
DEFAULT_MAX_BODY_BYTES = 256 * 1024


def is_loopback(host: str) -> bool:
    """Return whether ``host`` only accepts connections from this machine."""
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name other than localhost may resolve to any interface


class Settings(BaseModel):
    """Paths, network binding and limits of one labeling server."""

    data_dir: Path
    db_path: Path = Path("labels/labels.db")
    overrides_path: Path = Path("labels/overrides.tsv")
    # None reads default_predictions_path() if it exists; a path set here must exist.
    predictions_path: Path | None = None
    host: str = "127.0.0.1"
    port: int = Field(default=8765, ge=0, le=65535)
    token: str | None = None
    max_body_bytes: int = Field(default=DEFAULT_MAX_BODY_BYTES, ge=1024)
    # Two crops whose 64-bit perceptual hashes differ in at most this many bits are near-duplicates.
    phash_max_hamming: int = Field(default=6, ge=0, le=64)
    # An OCR score or confidence below this value marks a crop as suspicious.
    low_score: float = Field(default=0.5, ge=0.0, le=1.0)
    # A model prediction that differs from the label marks the crop only from this softmax score
    # up, so a near-chance model does not flag most crops.
    model_min_score: float = Field(default=0.5, ge=0.0, le=1.0)
    busy_timeout_ms: int = Field(default=5000, ge=0)

    @model_validator(mode="after")
    def _require_token_off_loopback(self) -> Settings:
        if self.token is not None and len(self.token) < 8:
            raise ValueError("the access token must have at least 8 characters")
        if not is_loopback(self.host) and not self.token:
            raise ValueError(
                f"binding to {self.host} exposes the server beyond this machine, so an access "
                "token is required: pass --token (at least 8 characters) or bind to 127.0.0.1"
            )
        return self

    @property
    def dataset_name(self) -> str:
        return self.data_dir.resolve().name

    def default_predictions_path(self) -> Path:
        """Return where the evaluate stage writes model predictions of this dataset."""
        return Path("predictions") / f"{self.dataset_name}.parquet"
