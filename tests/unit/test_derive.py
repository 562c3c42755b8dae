"""Derived models: the Latin head reads exactly what the full head reads under the Latin mask, with
confidences among the Latin characters; the manifest's entries say where each file comes from."""

from __future__ import annotations

import numpy as np
import pytest

from ocrflow.errors import ModelError
from ocrflow.inference.derive import derive
from ocrflow.inference.models import ModelRegistry, ModelSpec
from ocrflow.inference.session import OnnxModel
from ocrflow.settings import RecognitionSettings
from ocrflow.stages.ctc import CtcDecoder
from ocrflow.stages.recognition import REC_HEIGHT, resize_for_recognition
from ocrflow.synthetic import render_page


def read(model: OnnxModel, blob: np.ndarray) -> tuple[np.ndarray, list[str]]:
    return model.run(blob)[0], ["<blank>", *model.labels(), " "]


def test_the_latin_head_keeps_every_arg_max_and_renormalises_among_latin_characters():
    settings = RecognitionSettings()
    full = OnnxModel.load("pp-ocrv6-rec-small", settings)
    latin = OnnxModel.load("pp-ocrv6-rec-small-latin", settings)
    image, _ = render_page(["Total: 12,50 EUR", "Müller & Söhne GmbH"])
    crops = [image[40:120, 20:900], image[10:200, :]]  # text, and a crop with more than one line in it
    for crop in crops:
        blob = resize_for_recognition(crop, 640, REC_HEIGHT)[None]
        (probs_full, alphabet_full), (probs_latin, alphabet_latin) = read(full, blob), read(latin, blob)
        mask = CtcDecoder(alphabet_full[1:-1]).allowed
        assert [alphabet_full[i] for i in mask] == alphabet_latin and len(alphabet_latin) < len(alphabet_full) / 20
        kept = probs_full[0][:, mask]
        assert np.array_equal(mask[kept.argmax(axis=1)], mask[probs_latin[0].argmax(axis=1)])
        renormalised = kept / kept.sum(axis=1, keepdims=True)
        assert np.allclose(probs_latin[0], renormalised, atol=2e-4)
        assert (probs_latin[0].max(axis=1) >= kept.max(axis=1) - 1e-6).all()


def test_the_derived_file_is_what_the_manifest_pins():
    registry = ModelRegistry(RecognitionSettings().model_dir)
    spec = registry.spec("pp-ocrv6-rec-small-latin")
    assert spec.derived_from == "pp-ocrv6-rec-small" and spec.origin == "pp-ocrv6-rec-small by latin_head"
    import hashlib

    source = registry.path(spec.derived_from).read_bytes()
    derived = derive(spec.derivation, source)
    assert hashlib.sha256(derived).hexdigest() == spec.sha256


def test_every_shape_the_latin_head_records_has_the_cut_width():
    """The exporter records the shapes of the tensors before the output (value_info); left at the full
    width, onnxruntime warns at every load that they disagree with the output."""
    import onnx

    registry = ModelRegistry(RecognitionSettings().model_dir)
    model = onnx.load(registry.path("pp-ocrv6-rec-small-latin"))
    full = len(OnnxModel.load("pp-ocrv6-rec-small", RecognitionSettings()).labels()) + 2
    widths = {value.name: value.type.tensor_type.shape.dim[-1].dim_value
              for value in (*model.graph.value_info, *model.graph.output) if value.type.tensor_type.shape.dim}
    assert widths["fetch_name_0"] == 591 and full == 18710
    assert full not in widths.values()


def test_a_model_has_exactly_one_origin_and_derivations_are_named():
    common = {"name": "m", "stage": "recognition", "sha256": "0" * 64, "input": "x", "licence": "l"}
    assert ModelSpec(**common, wheel="w==1", member="p/m.onnx").filename == "m.onnx"
    assert ModelSpec(**common, derived_from="s", derivation="latin_head", file="d.onnx").filename == "d.onnx"
    for fields in ({}, {"wheel": "w==1", "member": "m.onnx", "derived_from": "s", "derivation": "latin_head",
                        "file": "d.onnx"}, {"derived_from": "s"}):
        with pytest.raises(ValueError, match="give wheel and member"):
            ModelSpec(**common, **fields)
    with pytest.raises(ModelError, match="unknown derivation 'fp16'; known: latin_head"):
        derive("fp16", b"")
