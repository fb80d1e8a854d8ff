"""Box geometry: point order, clipping, IoU, splitting and perspective rectification."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from pipeline.crop.geometry import (
    BoxError,
    as_quad,
    clip_to_image,
    order_clockwise,
    polygon_area,
    quad_iou,
    rectify,
    side_lengths,
    split_quad,
)

SQUARE = np.array([[10, 10], [30, 10], [30, 30], [10, 30]], dtype=np.float32)


def test_order_clockwise_from_shuffled_points():
    shuffled = SQUARE[[2, 0, 3, 1]]
    assert order_clockwise(shuffled).tolist() == SQUARE.tolist()


def test_as_quad_rejects_wrong_shape():
    with pytest.raises(BoxError, match=r"4 points \(x, y\), got shape \(3, 2\)"):
        as_quad([[0, 0], [1, 0], [1, 1]])


def test_as_quad_rejects_nan():
    with pytest.raises(BoxError, match="non-finite coordinates"):
        as_quad([[0, 0], [1, 0], [1, float("nan")], [0, 1]])


def test_clip_keeps_inside_box():
    assert clip_to_image(SQUARE, 100, 100, clip=True) is SQUARE


def test_clip_partly_outside_box():
    box = SQUARE + np.float32([-20, 0])
    clipped = clip_to_image(box, 100, 100, clip=True)
    assert clipped[:, 0].min() == 0.0
    assert polygon_area(clipped) == pytest.approx(10 * 20)


def test_reject_partly_outside_without_clip():
    with pytest.raises(BoxError, match="set crop.clip_boxes to true") as error:
        clip_to_image(SQUARE + np.float32([-20, 0]), 100, 100, clip=False)
    assert error.value.reason == "box_partly_outside"


def test_reject_box_outside_image():
    with pytest.raises(BoxError, match="lies outside the 100x100 image") as error:
        clip_to_image(SQUARE + np.float32([200, 0]), 100, 100, clip=True)
    assert error.value.reason == "box_outside_image"


def test_reject_zero_area_box():
    flat = np.array([[10, 10], [30, 10], [30, 10], [10, 10]], dtype=np.float32)
    with pytest.raises(BoxError, match="has zero area") as error:
        clip_to_image(flat, 100, 100, clip=True)
    assert error.value.reason == "zero_area_box"


def test_iou_of_half_overlap():
    shifted = SQUARE + np.float32([10, 0])
    # Intersection 10x20 = 200, union 400 + 400 - 200 = 600.
    assert quad_iou(SQUARE, shifted) == pytest.approx(200 / 600, abs=1e-4)
    assert quad_iou(SQUARE, SQUARE + np.float32([50, 0])) == 0.0


def test_split_vertical_line_into_cells():
    line = np.array([[0, 0], [20, 0], [20, 60], [0, 60]], dtype=np.float32)
    cells = split_quad(line, 3, along_height=True)
    assert [cell[0].tolist() for cell in cells] == [[0, 0], [0, 20], [0, 40]]
    assert all(side_lengths(cell) == pytest.approx((20, 20)) for cell in cells)


def test_rectify_rotated_quad_is_upright():
    # A 40x20 box whose top half is red and bottom half blue, rotated by 30 degrees.
    image = np.zeros((200, 200, 3), dtype=np.uint8)
    image[80:90, 80:120] = (255, 0, 0)
    image[90:100, 80:120] = (0, 0, 255)
    rotation = cv2.getRotationMatrix2D((100, 90), 30, 1.0)
    rotated = cv2.warpAffine(image, rotation, (200, 200), flags=cv2.INTER_NEAREST)
    corners = np.array([[80, 80], [120, 80], [120, 100], [80, 100]], dtype=np.float32)
    quad = cv2.transform(corners[None], rotation)[0]

    crop = rectify(rotated, order_clockwise(quad), margin=0.0)

    assert crop.shape[:2] == (20, 40)
    top, bottom = (
        crop[3:7, 5:35].reshape(-1, 3).mean(axis=0),
        crop[13:17, 5:35].reshape(-1, 3).mean(axis=0),
    )
    assert top[0] > 200, f"top half should be red, got {top}"
    assert top[2] < 50, f"top half should be red, got {top}"
    assert bottom[2] > 200, f"bottom half should be blue, got {bottom}"
    assert bottom[0] < 50, f"bottom half should be blue, got {bottom}"


def test_rectify_adds_margin():
    image = np.full((100, 100, 3), 255, dtype=np.uint8)
    crop = rectify(image, SQUARE, margin=0.1)
    assert crop.shape[:2] == (24, 24)
