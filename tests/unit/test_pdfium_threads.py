"""PDFium is not thread-safe: documents ingested on several threads at once (``ocrflow run -j N``,
the daemon) must render exactly what they render one at a time, and must not crash the process."""

from __future__ import annotations

import subprocess
import sys
import textwrap

# Run in a child process: a PDFium crash is a segfault, which would take the test session with it.
STRESS = textwrap.dedent("""
    import hashlib, sys, threading
    from ocrflow.documents import load_pages
    from ocrflow.render.pdf import to_pdf
    from ocrflow.schema.document import Document
    from ocrflow.synthetic import render_pdf

    documents = [render_pdf([[f'Document {seed} page {page}', 'Total 12.50'] for page in range(3)])
                 for seed in range(6)]
    def digest(data):
        return [hashlib.sha256(page.image.tobytes()).hexdigest() for page in load_pages(data)]
    expected = [digest(data) for data in documents]
    failures = []

    def work(offset):
        for round in range(8):
            for index in range(len(documents)):
                which = (index + offset) % len(documents)
                if digest(documents[which]) != expected[which]:
                    failures.append(which)
            # searchable PDF output (render/pdf.py) is PDFium too, on the main thread of `ocrflow run`
            to_pdf(Document(document_id="d", status="ok"), [])

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print("mismatches", len(failures))
    sys.exit(1 if failures else 0)
""")


def test_pdfs_rendered_on_four_threads_equal_the_sequential_renders():
    child = subprocess.run([sys.executable, "-c", STRESS], capture_output=True, timeout=600)
    assert child.returncode == 0, (child.returncode, child.stdout[-500:], child.stderr[-2000:])
    assert child.stdout.strip() == b"mismatches 0"
