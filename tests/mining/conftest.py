"""Fixtures for the mining tests: installed faces looked up by key."""

import pytest

from pipeline.common.fonts import FontFace, list_faces

HAN_FACE = "NotoSansCJK-Regular.ttc#2"
LATIN_FACE = "DejaVuSans.ttf#0"


@pytest.fixture(scope="session")
def faces() -> dict[str, FontFace]:
    """Return every installed face by its ``file#index`` key."""
    return {face.key: face for face in list_faces()}


@pytest.fixture(scope="session")
def han_face(faces) -> FontFace:
    if HAN_FACE not in faces:
        pytest.skip(f"font {HAN_FACE} is not installed")
    return faces[HAN_FACE]


@pytest.fixture(scope="session")
def latin_face(faces) -> FontFace:
    if LATIN_FACE not in faces:
        pytest.skip(f"font {LATIN_FACE} is not installed")
    return faces[LATIN_FACE]
