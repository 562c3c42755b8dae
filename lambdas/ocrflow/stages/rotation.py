"""Rotation: which quarter turn makes the page upright, and how much skew remains.

The quarter turn comes from an orientation classifier, read on several crops
along the page's long side and averaged (a single centre crop of a receipt
often holds nothing but prices). Whether text lines run horizontally at all is
checked independently with projection profiles, which the skew estimate needs
anyway. The returned affine maps input pixels to upright pixels so every later
coordinate can be mapped back.
"""

from __future__ import annotations

import cv2
import numpy as np

from ..geometry import Affine, quarter_turn
from ..inference.session import OnnxModel
from ..schema.stages import RotationResult
from ..settings import RotationSettings
from .ink import ink_mask

ORIENTATION_SIZE = 224
ORIENTATION_SHORT_SIDE = 256
IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
IMAGENET_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)
PROFILE_MAX_SIDE = 1024
PROFILE_MAX_POINTS = 80_000
# Measured: the skew a receipt really has sharpens its row profile by 1.9 % or more, the ties and
# noise of a page holding one word by at most 0.3 %.
MIN_SKEW_GAIN = 1.01
ROTATE_CODES = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}


def orientation_crops(image: np.ndarray, count: int) -> np.ndarray:
    """Resize the short side to 256 and take ``count`` 224-squares spread along the long side."""
    h, w = image.shape[:2]
    scale = ORIENTATION_SHORT_SIDE / min(h, w)
    resized = cv2.resize(image, (max(ORIENTATION_SIZE, round(w * scale)),
                                 max(ORIENTATION_SIZE, round(h * scale))),
                         interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    rh, rw = resized.shape[:2]
    crops = []
    for t in np.linspace(0.0, 1.0, count) if count > 1 else [0.5]:
        y = int(round((rh - ORIENTATION_SIZE) * (t if rh >= rw else 0.5)))
        x = int(round((rw - ORIENTATION_SIZE) * (t if rw > rh else 0.5)))
        crops.append(resized[y:y + ORIENTATION_SIZE, x:x + ORIENTATION_SIZE])
    blob = (np.stack(crops).astype(np.float32) / 255.0 - IMAGENET_MEAN) / IMAGENET_STD
    return blob.transpose(0, 3, 1, 2).astype(np.float32)


def ink_points(image: np.ndarray) -> tuple[np.ndarray, float]:
    """Foreground pixel coordinates of a downscaled, Otsu-binarized page, and the scale used."""
    ink, scale = ink_mask(image, PROFILE_MAX_SIDE)
    ys, xs = np.nonzero(ink)
    points = np.stack([xs, ys], axis=1).astype(np.float64)
    if len(points) > PROFILE_MAX_POINTS:
        step = len(points) // PROFILE_MAX_POINTS + 1
        points = points[::step]
    return points, scale


def profile_sharpness(points: np.ndarray, angles_deg: np.ndarray) -> np.ndarray:
    """For each angle, sum of squared row counts after rotating the ink by it (cv2 convention,
    counter-clockwise positive): text lines become sharp peaks when they are level."""
    if len(points) == 0:
        return np.zeros(len(angles_deg))
    centred = points - points.mean(axis=0)
    radians = np.deg2rad(angles_deg)
    ys = -np.sin(radians)[:, None] * centred[:, 0] + np.cos(radians)[:, None] * centred[:, 1]
    out = np.empty(len(angles_deg))
    for i, row in enumerate(ys):
        counts = np.bincount(np.round(row - row.min()).astype(np.int64))
        out[i] = float(np.dot(counts, counts))
    return out


def sharpest(angles: np.ndarray, sharpness: np.ndarray) -> int:
    """Index of the sharpest angle; among equals the smallest turn (a flat profile is no skew)."""
    return max(range(len(angles)), key=lambda i: (sharpness[i], -abs(angles[i])))


def estimate_skew(image: np.ndarray, max_degrees: float) -> float:
    """The rotation (degrees, counter-clockwise positive) that levels the text lines, or 0 when
    turning sharpens the rows by less than MIN_SKEW_GAIN: a word or two cannot tell a skew."""
    points, _ = ink_points(image)
    coarse = np.arange(-max_degrees, max_degrees + 1e-9, 0.5)
    best = coarse[sharpest(coarse, profile_sharpness(points, coarse))]
    fine = np.arange(best - 0.5, best + 0.5 + 1e-9, 0.05)
    sharpness = profile_sharpness(points, fine)
    index = sharpest(fine, sharpness)
    if sharpness[index] < MIN_SKEW_GAIN * profile_sharpness(points, np.zeros(1))[0]:
        return 0.0
    return float(fine[index]) + 0.0


def deskew_affine(width: int, height: int, degrees: float) -> tuple[Affine, int, int]:
    """Rotation about the centre that keeps every pixel, and the canvas it needs."""
    matrix = cv2.getRotationMatrix2D((width / 2.0, height / 2.0), degrees, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    new_w = int(np.ceil(height * sin + width * cos))
    new_h = int(np.ceil(height * cos + width * sin))
    matrix[0, 2] += new_w / 2.0 - width / 2.0
    matrix[1, 2] += new_h / 2.0 - height / 2.0
    return Affine(matrix), new_w, new_h


class PageRotator:
    """Input page in, ``RotationResult`` out; ``upright`` applies it."""

    def __init__(self, settings: RotationSettings | None = None, crops: int = 3) -> None:
        self.settings = settings or RotationSettings()
        self.model = OnnxModel.load(self.settings.model, self.settings)
        self.labels = [int(label) for label in self.model.labels()]
        self.crops = crops

    def __call__(self, image: np.ndarray) -> RotationResult:
        """Works on a copy at most PROFILE_MAX_SIDE pixels long: the classifier sees 256-pixel
        crops and skew does not depend on scale, so a 35-megapixel scan costs one resize."""
        h, w = image.shape[:2]
        scale = min(1.0, PROFILE_MAX_SIDE / max(h, w))
        small = image
        if scale < 1.0 and min(h, w) * scale >= ORIENTATION_SHORT_SIDE:
            small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        probs = self.model.run(orientation_crops(small, self.crops))[0]
        mean = probs.mean(axis=0)
        mean = mean / mean.sum()
        # The classifier names the page's current orientation; undoing it is the opposite turn.
        found = self.labels[int(mean.argmax())]
        angle = (360 - found) % 360
        turned = cv2.rotate(small, ROTATE_CODES[angle]) if angle else small
        affine = quarter_turn(angle, w, h)
        up_w, up_h = (h, w) if angle in (90, 270) else (w, h)
        correction = estimate_skew(turned, self.settings.max_skew_degrees)
        skew = 0.0
        if abs(correction) >= self.settings.min_skew_to_correct:
            deskew, up_w, up_h = deskew_affine(up_w, up_h, correction)
            affine = affine.then(deskew)
            skew = -correction
        return RotationResult(
            model=self.settings.model, angle=angle, angle_confidence=float(mean.max()),
            skew_degrees=round(skew + 0.0, 2),
            input_width=w, input_height=h, upright_width=up_w, upright_height=up_h,
            to_upright=affine.as_list(),
        )


def upright(image: np.ndarray, rotation: RotationResult) -> np.ndarray:
    """Apply a rotation result to the input page image."""
    matrix = np.asarray(rotation.to_upright, dtype=np.float64)
    size = (rotation.upright_width, rotation.upright_height)
    if rotation.skew_degrees == 0.0:
        turned = cv2.rotate(image, ROTATE_CODES[rotation.angle]) if rotation.angle else image
        return turned
    return cv2.warpAffine(image, matrix, size, flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)
