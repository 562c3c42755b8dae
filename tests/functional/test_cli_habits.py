"""``ocrflow run``'s habits from other OCR tools: -l, --image-dpi, -q/-v, several documents on
standard output (JSON Lines, a header per text document), binary formats kept off a terminal,
the command's own usage on a usage error, and the overlay PNG."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys

import cv2
import pytest

from ocrflow.cli import main
from ocrflow.synthetic import render_page


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pages")
    paths = []
    for k, text in enumerate(["First page of text", "Second page here"]):
        path = folder / f"p{k}.png"
        cv2.imwrite(str(path), render_page([text])[0])
        paths.append(path)
    return paths


def run(*argv: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ocrflow.cli", "run", "--no-daemon", *argv], capture_output=True,
                          **kwargs)


def test_several_json_documents_are_json_lines_and_text_documents_have_headers(pages):
    out = run(*map(str, pages), "--format", "textract", "-q")
    assert out.returncode == 0, out.stderr
    rows = [json.loads(row) for row in out.stdout.decode().splitlines()]
    assert len(rows) == 2 and all(row["JobStatus"] == "SUCCEEDED" for row in rows)
    text = run(*map(str, pages), "--format", "text").stdout.decode()
    assert text.startswith(f"==> {pages[0]} <==\nFirst page of text") and f"==> {pages[1]} <==\nSecond" in text


def test_a_binary_format_is_refused_on_a_terminal_and_for_several_documents(pages, tmp_path):
    several = run(*map(str, pages), "--format", "pdf")
    assert several.returncode == 2 and b"--out" in several.stderr and not several.stdout
    primary, secondary = pty.openpty()
    try:
        terminal = subprocess.run([sys.executable, "-m", "ocrflow.cli", "run", "--no-daemon", str(pages[0]),
                                   "--format", "pdf"], stdout=secondary, stderr=subprocess.PIPE)
    finally:
        os.close(secondary)
        os.close(primary)
    assert terminal.returncode == 2 and b"terminal" in terminal.stderr


def test_the_overlay_is_a_png_of_the_page(pages, tmp_path):
    from PIL import Image

    assert main(["run", str(pages[0]), "--format", "overlay", "--out", str(tmp_path), "--no-daemon"]) == 0
    image = Image.open(tmp_path / "p0.overlay.png")
    original = cv2.imread(str(pages[0]))
    assert image.size == (original.shape[1], original.shape[0])
    pixels = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert any(colour == (40, 90, 220) for _, colour in pixels), "the line box is drawn"


def test_usage_errors_print_the_commands_usage_and_an_unknown_language_the_list(pages, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["run", str(pages[0]), "--bogus"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: ocrflow run") and "unrecognized arguments: --bogus" in err
    with pytest.raises(SystemExit):
        main(["run", str(pages[0]), "-l", "klingon"])
    err = capsys.readouterr().err
    assert "unknown language klingon" in err and "deu" in err and "chi_sim" in err


def test_lang_selects_the_recogniser_and_verbose_reports_each_document(pages, monkeypatch, capsys):
    from ocrflow.cli.languages import parse, settings_environment

    assert settings_environment(parse("deu+fra")) == {}
    assert settings_environment(parse("eng+chi_sim"))["OCRFLOW_RECOGNITION_ALPHABET"] == "all"
    monkeypatch.delenv("OCRFLOW_RECOGNITION_ALPHABET", raising=False)
    assert main(["run", str(pages[0]), "-l", "deu", "-v", "--format", "text", "--no-daemon"]) == 0
    captured = capsys.readouterr()
    assert "First page of text" in captured.out
    assert f"{pages[0]}: ok, 1 page(s), 1 line(s), mean line confidence" in captured.err


def test_image_dpi_sizes_the_pdf_page_of_an_image_without_one(pages, tmp_path):
    import pikepdf

    assert main(["run", str(pages[0]), "--format", "pdf", "--image-dpi", "144", "--out", str(tmp_path),
                 "--no-daemon"]) == 0
    with pikepdf.open(tmp_path / "p0.pdf") as pdf:
        width = float(pdf.pages[0].mediabox[2])
    assert width == pytest.approx(cv2.imread(str(pages[0])).shape[1] * 72 / 144, abs=0.01)


def test_a_binary_format_for_a_terminal_is_refused_before_the_daemon_is_asked():
    from ocrflow.cli.formats import binary_to_terminal

    assert binary_to_terminal(["a.png", "--format", "pdf"], terminal=True)
    assert binary_to_terminal(["a.png", "--format=overlay"], terminal=True)
    assert not binary_to_terminal(["a.png", "--format", "pdf", "--out", "x"], terminal=True)
    assert not binary_to_terminal(["a.png", "--format", "pdf"], terminal=False)
    assert not binary_to_terminal(["a.png", "--format", "text"], terminal=True)
