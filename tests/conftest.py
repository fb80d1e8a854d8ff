"""Shared fixtures: offline switches, quiet progress bars and the path to the real-data folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
REALDATA = Path(os.environ.get("GLYPH_REALDATA", REPO_ROOT.parent / "shared" / "realdata"))

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("DVC_NO_ANALYTICS", "1")
os.environ.setdefault("GLYPH_PROGRESS", "0")


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def realdata() -> Path:
    """Return the real-data folder (photos, Chars74K crops, look-alike references).

    Tests that need it are skipped where it is absent; set GLYPH_REALDATA to point elsewhere.
    """
    if not REALDATA.is_dir():
        pytest.skip(f"real-data folder not found at {REALDATA}; set GLYPH_REALDATA")
    return REALDATA
