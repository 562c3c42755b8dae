"""Models derived from a pinned one at fetch time, by a named, deterministic graph edit.

``latin_head``: PP-OCR's multilingual recognisers end in a linear layer and a softmax
over ~18,700 characters, and ocrflow decodes only the ~590 of them in Latin script
(``CtcDecoder(alphabet="latin")``). Cutting that layer to those columns gives the same arg-max in every
column (the logits of the kept classes are unchanged), 15 % less inference time, and
confidences that are probabilities among the characters the decoder may choose.

Runs in ``ocrflow models fetch`` (the only place ``onnx`` is imported); the result is
checked against the manifest's sha256 like any fetched file.
"""

from __future__ import annotations

from typing import Callable

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


DERIVATIONS: dict[str, Callable[[bytes], bytes]] = {"latin_head": latin_head}


def derive(derivation: str, source: bytes) -> bytes:
    if derivation not in DERIVATIONS:
        raise ModelError(f"unknown derivation {derivation!r}; known: {', '.join(DERIVATIONS)}")
    return DERIVATIONS[derivation](source)
