"""Models derived from a pinned one at fetch time, by a named, deterministic graph edit.

``latin_head``: PP-OCR's multilingual recognisers end in a linear layer and a softmax
over ~18,700 characters, and ocrflow decodes only the ~590 of them in Latin script
(``CtcDecoder(alphabet="latin")``). Cutting that layer to those columns gives the same arg-max in every
column (the logits of the kept classes are unchanged), 15 % less inference time, and
confidences that are probabilities among the characters the decoder may choose.

``int8_qdq``: onnxruntime's static QDQ quantisation
(https://onnxruntime.ai/docs/performance/model-optimizations/quantization.html) of every
convolution and MatMul (``int8_qdq_conv``: convolutions only), int8 weights per channel, uint8
activations, calibrated on text lines (a recogniser) or pages (a detector) drawn here with
OpenCV's built-in Hershey fonts (no font file, integer rasterisation; never on ../shared/data).
These are variants, not production: they cost 0.002-0.009 alphanumeric F1 (README, Models).
Calibration runs the float model, whose last bits may differ between CPUs, so each activation's measured range is
rounded outward to two significant figures before the quantiser sets scales and zero points from
it (onnxruntime's calibration cache): the same bytes unless a range lies within a rounding error of
a boundary. The quantiser's output also depends on its version: pinned to ``QDQ_ONNXRUNTIME``.
Dynamic quantisation (``quantize_dynamic``) was measured and left out: of the MatMuls alone it
saves 3 % of the recogniser's CPU time (its convolutions dominate), and of the convolutions too
(ConvInteger) it runs 2-4x slower than float on this CPU.

Runs in ``ocrflow models fetch`` (the only place ``onnx`` is imported); the result is
checked against the manifest's sha256 like any fetched file.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Callable

import numpy as np

from ..errors import ModelError
from .alphabet import ctc_alphabet, latin_columns

CHARACTER = "character"  # the metadata key of PaddleOCR exports: one character per line


def latin_head(source: bytes) -> bytes:
    # onnx only in `ocrflow models fetch`: the Lambda image does not install it
    import onnx
    from onnx import numpy_helper

    model = onnx.load_model_from_string(source)
    graph = model.graph
    producers = {out: node for node in graph.node for out in node.output}
    initializers = {init.name: init for init in graph.initializer}

    def upstream(name: str, op: str):
        node = producers.get(name)
        while node is not None and node.op_type == "Identity":
            node = producers.get(node.input[0])
        if node is None or node.op_type != op:
            raise ModelError(f"latin_head: expected {op} before {name}, found {node.op_type if node else 'input'}")
        return node

    softmax = upstream(graph.output[0].name, "Softmax")
    add = upstream(softmax.input[0], "Add")
    matmul_input, bias_name = (add.input if add.input[1] in initializers else add.input[::-1])
    weight_name = upstream(matmul_input, "MatMul").input[1]
    metadata = {prop.key: prop for prop in model.metadata_props}
    alphabet = ctc_alphabet(metadata[CHARACTER].value.splitlines())  # how the decoder reads the output
    kept = latin_columns(alphabet).tolist()
    if kept[-1] != len(alphabet) - 1:
        raise ModelError("latin_head: the space class (the last) would be cut")
    for name, columns in ((weight_name, (slice(None), kept)), (bias_name, (kept,))):
        values = numpy_helper.to_array(initializers[name])
        if values.shape[-1] != len(alphabet):
            raise ModelError(f"latin_head: {name} has {values.shape[-1]} classes, the metadata {len(alphabet)}")
        initializers[name].CopyFrom(numpy_helper.from_array(values[columns].copy(), name))
    metadata[CHARACTER].value = "\n".join(alphabet[i] for i in kept[1:-1])
    # the output and the shapes recorded for the tensors before it (the exporter's value_info)
    for value in (*graph.output, *graph.value_info):
        dims = value.type.tensor_type.shape.dim
        if dims and dims[-1].dim_value == len(alphabet):
            dims[-1].dim_value = len(kept)
    return model.SerializeToString()


CHARACTERS = list("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.,:;$%-/()#&*")


def _draw(image: np.ndarray, rng: np.random.Generator, y: int, indent: tuple[int, int],
          sizes: tuple[float, float]) -> float:
    """One line of random words at height ``y``; returns its font scale."""
    import cv2  # OpenCV draws only when an int8 model is derived

    fonts = [cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_DUPLEX, cv2.FONT_HERSHEY_COMPLEX, cv2.FONT_HERSHEY_PLAIN]
    words = int(rng.integers(1, 5))
    text = " ".join("".join(rng.choice(CHARACTERS, int(rng.integers(1, 9)))) for _ in range(words))
    font = fonts[int(rng.integers(len(fonts)))]
    size = float(rng.uniform(*sizes))
    scale = size * (1.8 if font == cv2.FONT_HERSHEY_PLAIN else 1.0)
    ink = int(rng.integers(0, 90))
    cv2.putText(image, text, (int(rng.integers(*indent)), y), font, scale, (ink, ink, ink), int(rng.integers(1, 3)),
                cv2.LINE_AA)
    return size


def _normalised(image: np.ndarray) -> np.ndarray:
    return ((image.astype(np.float32) / 255 - 0.5) / 0.5).transpose(2, 0, 1)


def calibration_lines(count: int = 48, width: int = 320, seed: int = 0) -> list[np.ndarray]:
    """Text lines (48 px high, BGR, normalised as the recognisers read them), drawn with Hershey fonts."""
    rng = np.random.default_rng(seed)
    lines = []
    for _ in range(count):
        line = np.full((48, width, 3), 255, np.uint8)
        _draw(line, rng, 34, (2, 12), (0.6, 1.0))
        lines.append(_normalised(line))
    return lines


def calibration_pages(count: int = 4, shape: tuple[int, int] = (960, 736), seed: int = 0) -> list[np.ndarray]:
    """Pages of text lines of mixed sizes and indents (normalised as the detectors read them)."""
    rng = np.random.default_rng(seed)
    pages = []
    for _ in range(count):
        page, y = np.full((*shape, 3), 255, np.uint8), 40
        while y < shape[0] - 20:
            size = _draw(page, rng, y, (10, shape[1] // 2), (0.4, 1.2))
            y += int(40 * size) + int(rng.integers(4, 30))
        pages.append(_normalised(page))
    return pages


def _round_outward(low: float, high: float) -> tuple[float, float]:
    def rounded(value: float, up: bool) -> float:
        if value == 0:
            return 0.0
        step = 10.0 ** (math.floor(math.log10(abs(value))) - 1)  # two significant figures
        return (math.ceil if up else math.floor)(value / step) * step

    return rounded(min(low, 0.0), up=False), rounded(max(high, 0.0), up=True)


QDQ_ONNXRUNTIME = "1.32."  # the quantiser whose output the manifest pins


def int8_qdq(source: bytes, ops: tuple[str, ...] = ("Conv", "MatMul")) -> bytes:
    # onnx and the quantiser load only to derive an on-demand int8 model
    import onnx
    import onnxruntime
    from onnx import version_converter
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.calibrate import TensorData, create_calibrator, save_tensors_data

    if not onnxruntime.__version__.startswith(QDQ_ONNXRUNTIME):
        raise ModelError(f"int8_qdq is pinned for onnxruntime {QDQ_ONNXRUNTIME}x, found {onnxruntime.__version__}")
    model = version_converter.convert_version(onnx.load_model_from_string(source), 13)  # per-channel axis
    name = model.graph.input[0].name
    height = model.graph.input[0].type.tensor_type.shape.dim[2].dim_value  # 48: a recogniser's lines
    batches = (np.array_split(np.stack(calibration_lines()), 6) if height == 48
               else [page[None] for page in calibration_pages()])

    class Lines(CalibrationDataReader):
        def __init__(self) -> None:
            self.feed = iter({name: batch} for batch in batches)

        def get_next(self):
            return next(self.feed, None)

    op_types = list(ops)
    with tempfile.TemporaryDirectory() as tmp:
        float_model, ranges, out = Path(tmp) / "float.onnx", Path(tmp) / "ranges.json", Path(tmp) / "int8.onnx"
        onnx.save(model, float_model)
        calibrator = create_calibrator(float_model, op_types, augmented_model_path=str(Path(tmp) / "augmented.onnx"))
        calibrator.collect_data(Lines())
        measured = calibrator.compute_data()
        for tensor, data in measured.data.items():
            low, high = _round_outward(float(np.min(data.range_value[0])), float(np.max(data.range_value[1])))
            measured.data[tensor] = TensorData(lowest=np.float32(low), highest=np.float32(high))
        save_tensors_data(measured, ranges)
        quantize_static(float_model, out, None, quant_format=QuantFormat.QDQ, per_channel=True,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8, op_types_to_quantize=op_types,
                        calibration_cache_path=ranges)
        return out.read_bytes()


DERIVATIONS: dict[str, Callable[[bytes], bytes]] = {
    "latin_head": latin_head, "int8_qdq": int8_qdq,
    "int8_qdq_conv": lambda source: int8_qdq(source, ("Conv",)),  # the sequence layers stay float
}


def derive(derivation: str, source: bytes) -> bytes:
    if derivation not in DERIVATIONS:
        raise ModelError(f"unknown derivation {derivation!r}; known: {', '.join(DERIVATIONS)}")
    return DERIVATIONS[derivation](source)
