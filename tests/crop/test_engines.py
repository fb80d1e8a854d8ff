"""OCR engines on real photos: RapidOCR on a Chinese sign, EasyOCR on an English scene."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from pipeline.crop.engines import EngineError, create_engine, engine_class
from pipeline.crop.engines.easyocr import EasyOcrEngine
from pipeline.crop.geometry import side_lengths

BANK_SIGN = "paddleocr_doc/doc/imgs/00207393.jpg"  # 中国农业银行 / AGRICULTURAL BANK OF CHINA
ENGLISH_SCENE = "opencv_doc_text/text/scenetext01.jpg"


@pytest.fixture(scope="module")
def bank_boxes(realdata):
    engine = create_engine("rapidocr", {"threads": 1})
    image = cv2.imread(str(realdata / BANK_SIGN))
    return engine.detect_characters(image), image.shape


def test_rapidocr_reads_bank_name(bank_boxes):
    boxes, _ = bank_boxes
    chars = [box.char for box in boxes]
    found = [c for c in "中国农业银行" if c in chars]
    assert len(found) >= 5, f"expected most of 中国农业银行, got {''.join(chars)}"


def test_rapidocr_char_boxes_sensible(bank_boxes):
    boxes, (height, width, _) = bank_boxes
    # The bank name is the line above y = 115; smaller lines below repeat some of its characters.
    han = [box for box in boxes if box.char in "中国农业银行" and box.points[:, 1].mean() < 115]
    assert len(han) >= 5
    for box in han:
        box_width, box_height = side_lengths(box.points)
        # The sign's large characters are about 45 px square in this 489x375 photo.
        assert 30 < box_width < 70, (box.char, box.points.tolist())
        assert 30 < box_height < 70, (box.char, box.points.tolist())
        assert (
            (box.points >= 0).all()
            and (box.points[:, 0] <= width).all()
            and (box.points[:, 1] <= height).all()
        )
        assert 0.5 < box.score <= 1.0
    lefts = [float(box.points[:, 0].min()) for box in han]
    assert lefts == sorted(lefts), "characters of one line come in reading order"


def test_easyocr_reads_english_scene(realdata):
    engine = create_engine("easyocr", {"threads": 1})
    boxes = engine.detect_characters(cv2.imread(str(realdata / ENGLISH_SCENE)))
    letters = [box for box in boxes if len(box.char) == 1 and box.char.isalnum()]
    assert len(letters) >= 10, f"expected single-character boxes, got {[b.char for b in boxes]}"
    widths = [side_lengths(box.points)[0] for box in letters]
    heights = [side_lengths(box.points)[1] for box in letters]
    # Character boxes, not words: each box is narrower than about one character height.
    assert np.median(widths) < 1.2 * np.median(heights)
    assert "N" in [box.char for box in letters]


def test_easyocr_missing_model_names_file(tmp_path):
    with pytest.raises(EngineError, match=r"craft_mlt_25k\.pth; copy craft_mlt_25k\.pth into"):
        EasyOcrEngine({"model_dir": str(tmp_path)})


def test_unknown_engine_rejected():
    with pytest.raises(
        EngineError, match="unknown OCR engine 'tesseract'; expected one of rapidocr, easyocr"
    ):
        engine_class("tesseract")


def test_version_ignores_thread_count():
    cls = engine_class("rapidocr")
    assert cls.version_of({"threads": 1}) == cls.version_of({"threads": 4})
    assert cls.version_of({"text_score": 0.5}) != cls.version_of({"text_score": 0.7})
