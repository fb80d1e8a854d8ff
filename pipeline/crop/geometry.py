"""Quadrilateral geometry: point order, clipping, areas, IoU, splitting and perspective crops."""

from __future__ import annotations

import cv2
import numpy as np


class BoxError(ValueError):
    """A box cannot be cropped; the message names the problem and the skip reason."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def as_quad(points: object) -> np.ndarray:
    """Return ``points`` as a float32 (4, 2) array, raising BoxError for another shape or NaN."""
    try:
        quad = np.asarray(points, dtype=np.float32)
    except (TypeError, ValueError) as error:
        raise BoxError("invalid_box", f"box {points!r} is not numeric: {error}") from error
    if quad.size == 8:
        quad = quad.reshape(4, 2)
    if quad.shape != (4, 2):
        raise BoxError("invalid_box", f"box must have 4 points (x, y), got shape {quad.shape}")
    if not np.isfinite(quad).all():
        raise BoxError("invalid_box", f"box has non-finite coordinates: {quad.tolist()}")
    return quad


def order_clockwise(quad: np.ndarray) -> np.ndarray:
    """Order four points clockwise (in image coordinates, y down) starting from the top-left.

    The start is the point with the smallest x + y, which keeps a box rotated by less than
    45 degrees reading upright.
    """
    center = quad.mean(axis=0)
    angles = np.arctan2(quad[:, 1] - center[1], quad[:, 0] - center[0])
    ordered = quad[np.argsort(angles)]  # increasing angle is clockwise when y points down
    start = int(np.argmin(ordered.sum(axis=1)))
    return np.roll(ordered, -start, axis=0).astype(np.float32)


def polygon_area(quad: np.ndarray) -> float:
    """Return the area of a simple polygon (shoelace formula)."""
    x, y = quad[:, 0].astype(np.float64), quad[:, 1].astype(np.float64)
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def side_lengths(quad: np.ndarray) -> tuple[float, float]:
    """Return (width, height) of a clockwise quad: the longer of each pair of opposite sides."""
    top, right = np.linalg.norm(quad[1] - quad[0]), np.linalg.norm(quad[2] - quad[1])
    bottom, left = np.linalg.norm(quad[2] - quad[3]), np.linalg.norm(quad[3] - quad[0])
    return float(max(top, bottom)), float(max(left, right))


def clip_to_image(quad: np.ndarray, width: int, height: int, clip: bool) -> np.ndarray:
    """Return a clockwise box inside the image, clipping its points or raising BoxError.

    A box entirely outside the image or of zero area is always rejected. A box partly outside
    is clipped when ``clip`` is true and rejected otherwise.
    """
    if polygon_area(quad) < 1.0:
        raise BoxError("zero_area_box", f"box {quad.round(1).tolist()} has zero area")
    inside = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    overlap, _ = cv2.intersectConvexConvex(quad, inside)
    if overlap < 1.0:
        raise BoxError(
            "box_outside_image",
            f"box {quad.round(1).tolist()} lies outside the {width}x{height} image",
        )
    clipped = np.clip(quad, [0, 0], [width, height]).astype(np.float32)
    if np.array_equal(clipped, quad):
        return quad
    if not clip:
        raise BoxError(
            "box_partly_outside",
            f"box {quad.round(1).tolist()} extends past the {width}x{height} image; "
            "set crop.clip_boxes to true to clip such boxes",
        )
    if polygon_area(clipped) < 1.0:
        raise BoxError(
            "zero_area_box", f"box {quad.round(1).tolist()} has zero area after clipping"
        )
    return clipped


def quad_iou(a: np.ndarray, b: np.ndarray) -> float:
    """Return the intersection over union of two convex quads."""
    a, b = order_clockwise(a), order_clockwise(b)
    intersection, _ = cv2.intersectConvexConvex(a, b)
    union = polygon_area(a) + polygon_area(b) - intersection
    return float(intersection / union) if union > 0 else 0.0


def match_boxes(
    queries: list[np.ndarray], candidates: list[np.ndarray], min_iou: float
) -> list[int | None]:
    """Return, for each query box, the index of the candidate with the highest IoU >= ``min_iou``."""
    if not candidates:
        return [None] * len(queries)
    lows = np.array([c.min(axis=0) for c in candidates])
    highs = np.array([c.max(axis=0) for c in candidates])
    matches: list[int | None] = []
    for query in queries:
        # Only candidates whose bounding rectangles overlap can reach a positive IoU.
        overlap = np.all((lows < query.max(axis=0)) & (highs > query.min(axis=0)), axis=1)
        best, best_iou = None, min_iou
        for index in np.flatnonzero(overlap):
            iou = quad_iou(query, candidates[index])
            if iou >= best_iou:
                best, best_iou = int(index), iou
        matches.append(best)
    return matches


def split_quad(quad: np.ndarray, parts: int, along_height: bool) -> list[np.ndarray]:
    """Split a clockwise quad into ``parts`` equal cells along its height or its width."""
    top_left, top_right, bottom_right, bottom_left = quad.astype(np.float64)
    steps = np.linspace(0.0, 1.0, parts + 1)
    cells = []
    for start, end in zip(steps[:-1], steps[1:], strict=True):
        if along_height:
            # Cells run down the left and right sides, top to bottom.
            a, b = (
                top_left + (bottom_left - top_left) * start,
                top_right + (bottom_right - top_right) * start,
            )
            d, c = (
                top_left + (bottom_left - top_left) * end,
                top_right + (bottom_right - top_right) * end,
            )
        else:
            a, d = (
                top_left + (top_right - top_left) * start,
                bottom_left + (bottom_right - bottom_left) * start,
            )
            b, c = (
                top_left + (top_right - top_left) * end,
                bottom_left + (bottom_right - bottom_left) * end,
            )
        cells.append(np.array([a, b, c, d], dtype=np.float32))
    return cells


def rectify(image: np.ndarray, quad: np.ndarray, margin: float) -> np.ndarray:
    """Warp a clockwise quad to an upright rectangle, padded by ``margin`` times its longer side.

    The margin keeps the glyph's surroundings (a stroke cut by a tight OCR box stays whole);
    pixels beyond the image border repeat the edge.
    """
    width, height = side_lengths(quad)
    pad = margin * max(width, height)
    out_w, out_h = max(1, round(width + 2 * pad)), max(1, round(height + 2 * pad))
    target = np.array(
        [[pad, pad], [pad + width, pad], [pad + width, pad + height], [pad, pad + height]],
        dtype=np.float32,
    )
    transform = cv2.getPerspectiveTransform(quad.astype(np.float32), target)
    return cv2.warpPerspective(
        image, transform, (out_w, out_h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
