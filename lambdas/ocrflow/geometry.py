"""Polygon and affine helpers shared by the stages and the scorer.

Points are float (x, y) pairs in pixels. Every stage after rotation works on
the upright image; ``Affine`` carries the mapping so results can always be
expressed in the coordinates of the image the user sent, as Textract does.
"""

from __future__ import annotations

import numpy as np


def order_clockwise(points: np.ndarray) -> np.ndarray:
    """Order four points as top-left, top-right, bottom-right, bottom-left."""
    pts = np.asarray(points, dtype=np.float32).reshape(4, 2)
    by_x = pts[np.argsort(pts[:, 0], kind="stable")]
    left = by_x[:2][np.argsort(by_x[:2, 1], kind="stable")]
    right = by_x[2:][np.argsort(by_x[2:, 1], kind="stable")]
    return np.array([left[0], right[0], right[1], left[1]], dtype=np.float32)


def to_polygon(points: np.ndarray, digits: int = 1) -> list[tuple[float, float]]:
    """Points as the schema stores them: (x, y) pairs of plain floats, rounded."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    return [(round(float(x), digits), round(float(y), digits)) for x, y in pts]


def bounding_box(points: np.ndarray) -> tuple[float, float, float, float]:
    """(left, top, right, bottom) of a point set."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    return (float(pts[:, 0].min()), float(pts[:, 1].min()),
            float(pts[:, 0].max()), float(pts[:, 1].max()))


def box_area(box: tuple[float, ...]) -> float:
    return max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1])


def box_intersection(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    return box_area((max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])))


def box_iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    inter = box_intersection(a, b)
    union = box_area(a) + box_area(b) - inter
    return inter / union if union > 0 else 0.0


def iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise IoU of two (N, 4) and (M, 4) arrays of (l, t, r, b) boxes."""
    a = np.asarray(a, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(b, dtype=np.float64).reshape(-1, 4)
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.clip(rb - lt, 0, None).prod(axis=2)
    area_a = np.clip(a[:, 2:] - a[:, :2], 0, None).prod(axis=1)
    area_b = np.clip(b[:, 2:] - b[:, :2], 0, None).prod(axis=1)
    union = area_a[:, None] + area_b[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


class Affine:
    """A 2x3 affine map from input-image pixels to upright-image pixels."""

    def __init__(self, matrix: np.ndarray | list[list[float]]) -> None:
        self.matrix = np.asarray(matrix, dtype=np.float64).reshape(2, 3)

    @classmethod
    def identity(cls) -> "Affine":
        return cls([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])

    def apply(self, points: np.ndarray) -> np.ndarray:
        pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        return pts @ self.matrix[:, :2].T + self.matrix[:, 2]

    def inverse(self) -> "Affine":
        full = np.vstack([self.matrix, [0.0, 0.0, 1.0]])
        return Affine(np.linalg.inv(full)[:2])

    def then(self, other: "Affine") -> "Affine":
        """The map that applies self first, then other."""
        a = np.vstack([self.matrix, [0.0, 0.0, 1.0]])
        b = np.vstack([other.matrix, [0.0, 0.0, 1.0]])
        return Affine((b @ a)[:2])

    def as_list(self) -> list[list[float]]:
        return [[float(v) for v in row] for row in self.matrix]


def quarter_turn(angle: int, width: int, height: int) -> Affine:
    """Affine that rotates an image of (width, height) clockwise by angle in {0, 90, 180, 270}.

    Matches ``cv2.rotate``: the rotated image keeps every pixel, no crop.
    """
    if angle == 0:
        return Affine.identity()
    if angle == 90:  # cv2.ROTATE_90_CLOCKWISE: (x, y) -> (h - 1 - y, x)
        return Affine([[0, -1, height - 1], [1, 0, 0]])
    if angle == 180:
        return Affine([[-1, 0, width - 1], [0, -1, height - 1]])
    if angle == 270:  # cv2.ROTATE_90_COUNTERCLOCKWISE: (x, y) -> (y, w - 1 - x)
        return Affine([[0, 1, 0], [-1, 0, width - 1]])
    raise ValueError(f"angle must be one of 0, 90, 180, 270, not {angle}")
