"""Recognition: crop every detected line, read it with a CTC model, in batches.

Crops are rectified with a perspective warp of the line polygon. An optional
text-line classifier turns upside-down crops. Lines are batched by aspect
ratio so that padding, which costs time and accuracy, stays small. Word
polygons come from the columns at which CTC emitted each character, mapped
back through the inverse of the crop's warp.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np

from ..geometry import to_polygon
from ..inference.session import OnnxModel
from ..schema.stages import DetectedLine, DetectionResult, RecognitionResult, RecognizedLine, RecognizedWord
from ..settings import RecognitionSettings
from .ctc import CtcDecoder, DecodedLine

REC_HEIGHT = 48
CLS_SHAPE = (48, 192)
CLS_THRESHOLD = 0.9
CLS_BATCH = 16
VERTICAL_RATIO = 1.5
UPSCALE = cv2.INTER_LINEAR
CROP_INTERPOLATION = cv2.INTER_LINEAR


# Characters that read as a character when turned half a turn: a line made of them ("969", "SOS")
# reads as well either way up, so only the page's orientation can say which way is up.
HALF_TURN = dict(zip("01689HINOSXZosxzunMWdpbq()[]", "01986HINOSXZosxznuWMpdqb)(]["))


def half_turned(text: str) -> str | None:
    """``text`` as it reads turned half a turn, or None where a character has no such reading."""
    if any(ch not in HALF_TURN for ch in text if ch != " "):
        return None
    return "".join(HALF_TURN.get(ch, ch) for ch in reversed(text))


def glyphs(reading: DecodedLine) -> int:
    return len(reading.text) - reading.text.count(" ")


def pad_quad(pts: np.ndarray, padding: float, width: int, height: int) -> np.ndarray:
    """Grow a tl, tr, br, bl quad by ``padding`` line heights on every side, inside the page."""
    across = ((pts[3] - pts[0]) + (pts[2] - pts[1])) / 2.0
    along = ((pts[1] - pts[0]) + (pts[2] - pts[3])) / 2.0
    h = float(np.linalg.norm(across)) or 1.0
    u_across = across / h
    u_along = along / (float(np.linalg.norm(along)) or 1.0)
    d = padding * h
    grown = pts + np.array([-u_along - u_across, u_along - u_across,
                            u_along + u_across, -u_along + u_across]) * d
    grown[:, 0] = np.clip(grown[:, 0], 0, width - 1)
    grown[:, 1] = np.clip(grown[:, 1], 0, height - 1)
    return grown.astype(np.float32)


class LineCrop:
    """A rectified line image and the homography that maps crop pixels back to the page."""

    def __init__(self, page: np.ndarray, polygon: np.ndarray, padding: float = 0.0) -> None:
        pts = polygon.astype(np.float32)
        if padding:
            pts = pad_quad(pts, padding, page.shape[1], page.shape[0])
        width = int(max(np.linalg.norm(pts[0] - pts[1]), np.linalg.norm(pts[2] - pts[3])))
        height = int(max(np.linalg.norm(pts[0] - pts[3]), np.linalg.norm(pts[1] - pts[2])))
        width, height = max(width, 1), max(height, 1)
        target = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
        to_crop = cv2.getPerspectiveTransform(pts, target)
        image = cv2.warpPerspective(page, to_crop, (width, height),
                                    borderMode=cv2.BORDER_REPLICATE, flags=CROP_INTERPOLATION)
        self.vertical = height / width >= VERTICAL_RATIO
        if self.vertical:  # read top-to-bottom text as a horizontal line
            image = cv2.rotate(image, cv2.ROTATE_90_COUNTERCLOCKWISE)
            turn = np.array([[0, 1, 0], [-1, 0, width], [0, 0, 1]], dtype=np.float64)  # as ROTATE_90_COUNTERCLOCKWISE
            to_crop = turn @ to_crop
        self.flipped = False
        self.image = image
        self.to_page = np.linalg.inv(to_crop)

    def flip(self) -> None:
        h, w = self.image.shape[:2]
        self.image = cv2.rotate(self.image, cv2.ROTATE_180)
        turn = np.array([[-1, 0, w], [0, -1, h], [0, 0, 1]], dtype=np.float64)
        self.to_page = self.to_page @ np.linalg.inv(turn)
        self.flipped = not self.flipped

    def span_polygon(self, x0: float, x1: float) -> np.ndarray:
        """Page polygon of the horizontal span [x0, x1] of the crop, full height."""
        h = self.image.shape[0]
        pts = np.array([[x0, 0], [x1, 0], [x1, h], [x0, h]], dtype=np.float64)
        return cv2.perspectiveTransform(pts[None], self.to_page)[0]


def resize_for_recognition(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """Resize to the target height keeping aspect, pad right with zeros (mid-grey after norm)."""
    h, w = image.shape[:2]
    new_w = min(width, max(1, int(math.ceil(height * w / h))))
    resized = cv2.resize(image, (new_w, height),
                         interpolation=cv2.INTER_AREA if h > height else UPSCALE)
    blob = np.zeros((3, height, width), dtype=np.float32)
    scaled = blob[:, :, :new_w]  # written in place: a transposed float copy costs six times as much
    np.multiply(resized.transpose(2, 0, 1), np.float32(2.0 / 255.0), out=scaled)
    scaled -= 1.0
    return blob


class TextRecognizer:
    """Page image + detected lines in, text with word boxes out."""

    def __init__(self, settings: RecognitionSettings | None = None) -> None:
        self.settings = settings or RecognitionSettings()
        single = self.settings.model_copy(update={"threads": 1})
        self.pool = ThreadPoolExecutor(max_workers=self.settings.threads, thread_name_prefix="recognition")
        self.model = OnnxModel.load(self.settings.model, single)
        self.decoder = self._decoder(self.model)
        self.classifier = (
            OnnxModel.load(self.settings.textline_classifier, single)
            if self.settings.textline_classifier else None
        )

    def _decoder(self, model: OnnxModel) -> CtcDecoder:
        s = self.settings
        return CtcDecoder(model.labels(), alphabet=s.alphabet, space_gap_ratio=s.space_gap_ratio,
                          space_probability=s.space_probability, bare_letter_ratio=s.bare_letter_ratio,
                          letter_spacing_ratio=s.letter_spacing_ratio)

    def __call__(self, image: np.ndarray, detection: DetectionResult | list[DetectedLine]) -> RecognitionResult:
        """The lines of ``detection`` (the text detection result the registry hands it, or its lines)."""
        lines = detection.lines if isinstance(detection, DetectionResult) else detection
        crops = [LineCrop(image, np.array(line.polygon), self.settings.crop_padding) for line in lines]
        readings = self._read(crops)
        if self.classifier is not None:
            self._reread_upside_down(crops, readings)
        upright = self._upright_instead(image, lines, readings)
        out = []
        for index, read in enumerate(zip(lines, crops, readings)):
            for line, crop, (reading, scale) in upright.get(index, [read]):
                if reading.text and reading.confidence >= self.settings.min_line_confidence:
                    out.append(self._line(line, crop, reading, scale))
        return RecognitionResult(model=self.settings.model, lines=out)

    def _upright_instead(self, image: np.ndarray, lines: list[DetectedLine], readings: list) -> dict[int, list]:
        """The upright boxes, read, that stand instead of each sideways line (``DetectedLine.replaces``)
        whose reading is not more confident than theirs on average. A column of note numbers in a dense
        table joins into a sideways line that reads as garbage or less surely, each figure upright
        reads surely; a Bates number's sideways characters read upright as uncertain characters.
        (Counting characters too, as upside-down lines do, fails here: the upright boxes overlap, and
        a Bates number on funsd-dev read 8 characters sideways against 9 in its boxes.)"""
        joined = [i for i, line in enumerate(lines) if line.replaces]
        if not joined:
            return {}
        boxes = [(i, box) for i in joined for box in lines[i].replaces]
        crops = [LineCrop(image, np.array(box.polygon), self.settings.crop_padding) for _, box in boxes]
        read = self._read(crops)
        instead = {}
        for i in joined:
            mine = [(box, crop, reading) for (k, box), crop, reading in zip(boxes, crops, read) if k == i]
            sideways = readings[i][0]
            if sideways.confidence > float(np.mean([r.confidence for _, _, (r, _) in mine])):
                continue
            instead[i] = mine
        return instead

    def _reread_upside_down(self, crops: list[LineCrop], readings: list) -> None:
        """Turn the crops the classifier calls upside down, read them again, and keep the
        turn only where the recogniser is more confident and reads no fewer characters: the
        page is already upright, so a flip is the exception, and the classifier alone flips
        too many good lines (a turned "2 x 9.90" reads "066", surely but short). A line that reads
        as itself turned ("969" as "696") stays upright: the recogniser cannot tell which way is up."""
        classifier = self.classifier
        assert classifier is not None, "called where a classifier is configured"
        height, width = CLS_SHAPE

        def upside_down(start: int) -> list[int]:
            batch = list(range(start, min(len(crops), start + CLS_BATCH)))
            blob = np.stack([resize_for_recognition(crops[i].image, width, height) for i in batch])
            probs = classifier.run(blob)[0]
            return [i for i, p in zip(batch, probs) if p.argmax() == 1 and p[1] >= CLS_THRESHOLD]

        suspects = [i for found in self.pool.map(upside_down, range(0, len(crops), CLS_BATCH))
                    for i in found]
        for i in suspects:
            crops[i].flip()
        for i, again in zip(suspects, self._read([crops[i] for i in suspects])):
            if (again[0].confidence > readings[i][0].confidence and glyphs(again[0]) >= glyphs(readings[i][0])
                    and again[0].text != half_turned(readings[i][0].text)):
                readings[i] = again
            else:
                crops[i].flip()

    def _read(self, crops: list[LineCrop]) -> list[tuple[DecodedLine, float]]:
        """Decoded lines with, for each, the crop pixels per CTC column.

        Batches run on a thread pool with single-threaded sessions: intra-op threads do
        not speed this small model up, running two lines at once does (the GIL is free
        inside onnxruntime)."""
        model, decoder = self.model, self.decoder
        ratios = [c.image.shape[1] / c.image.shape[0] for c in crops]
        results: list[tuple[DecodedLine, float]] = [None] * len(crops)  # type: ignore[list-item]

        def read_batch(idx: list[int]) -> None:
            max_ratio = max(max(ratios[i] for i in idx), self.settings.min_width / REC_HEIGHT)
            width = int(math.ceil(REC_HEIGHT * max_ratio))
            blob = np.stack([resize_for_recognition(crops[i].image, width, REC_HEIGHT) for i in idx])
            probs = model.run(blob)[0]
            columns = probs.shape[1]
            for row, i in enumerate(idx):
                resized_w = min(width, int(math.ceil(REC_HEIGHT * ratios[i])))
                crop_w = crops[i].image.shape[1]
                results[i] = (decoder(probs[row], columns), width / columns * crop_w / resized_w)

        list(self.pool.map(read_batch, self._batches(ratios)))
        return results

    def _batches(self, ratios: list[float]) -> list[list[int]]:
        """Lines of nearly the same network input width go together: padding a crop changes what
        the recogniser reads (its attention spans the whole line), so a batch only admits crops
        within ``batch_width_slack`` pixels of its narrowest. Widths are compared after the
        ``min_width`` floor: every crop narrower than that is padded to it anyway, so those batch
        at no change to their reading.

        Batching saves less than it seems on a CPU: per column of input the recogniser costs
        about as much one line at a time as eight padded to a common width (README, Performance),
        so the gain is in the narrow crops, where a run's fixed cost dominates."""
        floor = self.settings.min_width
        widths = [max(floor, int(math.ceil(REC_HEIGHT * r))) for r in ratios]
        order = [int(i) for i in np.argsort(ratios, kind="stable")]
        batches: list[list[int]] = []
        for i in order:
            if (batches and len(batches[-1]) < self.settings.batch_size
                    and widths[i] - widths[batches[-1][0]] <= self.settings.batch_width_slack):
                batches[-1].append(i)
            else:
                batches.append([i])
        return batches

    @staticmethod
    def _line(line: DetectedLine, crop: LineCrop, reading: DecodedLine, scale: float) -> RecognizedLine:
        crop_w = crop.image.shape[1]
        words = [
            RecognizedWord(
                text=w.text, confidence=min(1.0, w.confidence),
                polygon=to_polygon(crop.span_polygon(w.start * scale, min(crop_w, w.end * scale))),
            )
            for w in reading.words
        ]
        return RecognizedLine(
            text=reading.text, confidence=min(1.0, reading.confidence), polygon=line.polygon,
            detection_score=line.score, flipped=crop.flipped, words=words,
        )
