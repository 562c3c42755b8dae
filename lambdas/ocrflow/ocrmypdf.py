"""ocrflow as ocrmypdf's OCR engine: ``ocrmypdf --plugin ocrflow.ocrmypdf in.pdf out.pdf``
(``pip install 'ocrflow[ocrmypdf]'``).

ocrmypdf rasterises each page, asks the engine for the page's orientation and skew (here the
rotation stage alone, not a full OCR), then for an hOCR file or a text-only PDF of the page,
which it grafts onto the original page. ocrmypdf runs pages in parallel worker processes: each
process builds one ``OCR()`` on its first page and runs onnxruntime on one thread, so that the
workers, not the threads, share the cores.
"""

from __future__ import annotations

from pathlib import Path

from ocrmypdf import hookimpl
from ocrmypdf.pluginspec import OcrEngine, OrientationConfidence

from . import __version__
from .cli.languages import FULL, LATIN, stage_settings
from .registry import page_turner

_ocr = None
CONFIDENCE_SCALE = 40.0  # (0.6 - 0.25) * 40 = 14, ocrmypdf's default --rotate-pages-threshold


def engine_ocr(options):
    """This process's ``OCR()``, built on first use with one onnxruntime thread and the recogniser
    that ``-l`` (ocrmypdf's languages, Tesseract's codes) asks for."""
    global _ocr
    if _ocr is None:
        # ocrmypdf loads every plugin at start: the pipeline loads on the first page
        from .api import OCR
        from .registry import stage_names

        languages = stage_settings(tuple(getattr(options, "languages", None) or ("eng",)))
        _ocr = OCR(**{name: {"threads": 1, **languages.get(name, {})} for name in stage_names()})
    return _ocr


def _page(input_file: Path, options):
    """(document, dpi) of one page image."""
    # as above
    from PIL import Image

    from .render.pdf import image_dpi_of

    with Image.open(input_file) as image:
        dpi = image_dpi_of(image.info, getattr(options, "image_dpi", None))
    return engine_ocr(options)(Path(input_file)), dpi


class OcrflowEngine(OcrEngine):
    @staticmethod
    def version() -> str:
        return __version__

    @staticmethod
    def creator_tag(options) -> str:
        return f"ocrflow {__version__}"

    def __str__(self) -> str:
        return f"ocrflow {__version__}"

    @staticmethod
    def languages(options) -> set[str]:
        return set(LATIN) | set(FULL)

    @staticmethod
    def get_orientation(input_file: Path, options) -> OrientationConfidence:
        # as above
        import cv2

        rotation = engine_ocr(options).pipeline.stage(page_turner().name)(cv2.imread(str(input_file), cv2.IMREAD_COLOR))
        # ocrflow's angle is the clockwise turn that makes the page upright; ocrmypdf's, the page's own
        # clockwise turn (it corrects it counter-clockwise). Its confidence is in Tesseract's units, where
        # --rotate-pages-threshold's default is 14: ocrflow's probability for the orientation (0.25 is
        # chance among four) is scaled so that 0.6 meets that default.
        return OrientationConfidence(angle=(360 - rotation.angle) % 360,
                                     confidence=max(0.0, rotation.angle_confidence - 0.25) * CONFIDENCE_SCALE)

    @staticmethod
    def get_deskew(input_file: Path, options) -> float:
        # as above
        import cv2

        rotation = engine_ocr(options).pipeline.stage(page_turner().name)(cv2.imread(str(input_file), cv2.IMREAD_COLOR))
        # ocrflow's skew is counter-clockwise positive; ocrmypdf turns the image by its answer (PIL's
        # rotate, counter-clockwise positive) to straighten it, so the answer is the opposite
        return -float(rotation.skew_degrees)

    @staticmethod
    def generate_hocr(input_file: Path, output_hocr: Path, output_text: Path, options) -> None:
        document, dpi = _page(input_file, options)
        Path(output_hocr).write_text(document.to_hocr(image=Path(input_file).name, dpi=dpi), encoding="utf-8")
        Path(output_text).write_text(document.text, encoding="utf-8")

    @staticmethod
    def generate_pdf(input_file: Path, output_pdf: Path, output_text: Path, options) -> None:
        # as above
        from .render.pdf import PageSource, to_pdf

        document, dpi = _page(input_file, options)
        page = document.pages[0]
        Path(output_pdf).write_bytes(to_pdf(document, [PageSource(None, page.width, page.height, dpi)],
                                            text_only=True))
        Path(output_text).write_text(document.text, encoding="utf-8")


@hookimpl
def get_ocr_engine(options=None):
    if options is not None and getattr(options, "ocr_engine", "auto") not in ("auto", "ocrflow"):
        return None
    return OcrflowEngine()


@hookimpl
def initialize(plugin_manager) -> None:
    """Tesseract's plugin keeps its options (ocrmypdf reads them) but not its check that the tesseract
    program is installed: ocrflow is the engine."""
    # ocrmypdf's own plugin, only to hand it what ocrflow does not do
    from ocrmypdf.builtin_plugins import tesseract_ocr

    manager = getattr(plugin_manager, "pluggy_manager", plugin_manager)
    for impl in manager.hook.check_options.get_hookimpls():
        if impl.plugin is tesseract_ocr:
            manager.hook.check_options._remove_plugin(tesseract_ocr)
