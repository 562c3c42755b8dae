"""Models derived from a pinned one at fetch time, by a named, deterministic graph edit.

``latin_head``: PP-OCR's multilingual recognisers end in a linear layer and a softmax
over ~18,700 characters, and ocrflow decodes only the ~590 of them in Latin script
(``CtcDecoder(alphabet="latin")``). Cutting that layer to those columns gives the same arg-max in every
column (the logits of the kept classes are unchanged), 15 % less inference time, and
confidences that are probabilities among the characters the decoder may choose.

``int8_matmul``: onnxruntime's dynamic quantisation
(https://onnxruntime.ai/docs/performance/model-optimizations/quantization.html) of the
MatMul and Gemm weights only: int8 weights, activations quantised per call, so no
calibration data and nothing measured at derivation time (the output is the same bytes on
every machine for a given onnx / onnxruntime). The recogniser's sequence layers are
MatMuls; its convolutions stay float, because dynamically quantised convolutions
(ConvInteger) run 2-4x slower than float ones on this CPU.

Runs in ``ocrflow models fetch`` (the only place ``onnx`` is imported); the result is
checked against the manifest's sha256 like any fetched file.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Callable

from ..errors import ModelError

CHARACTER = "character"  # the metadata key of PaddleOCR exports: one character per line


def latin_head(source: bytes) -> bytes:
    import onnx
    from onnx import numpy_helper

    from ..stages.ctc import CtcDecoder

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
    latin = CtcDecoder(metadata[CHARACTER].value.splitlines(), alphabet="latin")  # how the output is read
    alphabet, kept = latin.alphabet, latin.allowed.tolist()
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


def int8_matmul(source: bytes) -> bytes:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "int8.onnx"
        quantize_dynamic(onnx.load_model_from_string(source), out, weight_type=QuantType.QInt8,
                         op_types_to_quantize=["MatMul", "Gemm"])
        return out.read_bytes()


DERIVATIONS: dict[str, Callable[[bytes], bytes]] = {"latin_head": latin_head, "int8_matmul": int8_matmul}


def derive(derivation: str, source: bytes) -> bytes:
    if derivation not in DERIVATIONS:
        raise ModelError(f"unknown derivation {derivation!r}; known: {', '.join(DERIVATIONS)}")
    return DERIVATIONS[derivation](source)
