"""The HTML report of an evaluation: totals, per-document table, plots, worst pages.

Self-contained (plots and page images are embedded as data URIs) so it can be
attached to a pull request or opened from an S3 console without a server.
"""

from __future__ import annotations

import base64
import html
import io
from typing import Any

import cv2
import numpy as np

WORST = 10


def _figure_uri(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    # matplotlib is ocrflow[local]'s: only for the report
    import matplotlib.pyplot as plt

    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def plots(summary: dict, baseline: dict | None) -> dict[str, str]:
    # as above
    import matplotlib

    matplotlib.use("Agg")
    # as above
    import matplotlib.pyplot as plt

    docs, base_docs = summary["documents"], (baseline or {}).get("documents", [])
    out = {}
    fig, ax = plt.subplots(figsize=(6, 3.2))
    bins = np.linspace(0, 1, 21).tolist()
    ax.hist([d["alnum"]["f1"] for d in docs], bins=bins, alpha=0.7, label="this run")
    base_f1 = [d["alnum"]["f1"] for d in base_docs if "alnum" in d]  # older summaries lack it
    if base_f1:
        ax.hist(base_f1, bins=bins, alpha=0.5, label="baseline")
    ax.set_xlabel("alphanumeric word F1 per page"), ax.set_ylabel("pages"), ax.legend()
    out["alphanumeric word F1 histogram"] = _figure_uri(fig)

    fig, ax = plt.subplots(figsize=(6, 3.2))
    for rows, label, marker in ((docs, "this run", "o"), (base_docs, "baseline", "x")):
        if rows:
            ax.scatter([d["counts"]["chars"] for d in rows], [d["cer"] for d in rows],
                       label=label, marker=marker, alpha=0.7)
    ax.set_xlabel("characters per page"), ax.set_ylabel("CER"), ax.legend()
    out["CER against characters per page"] = _figure_uri(fig)

    stages = sorted({s for d in docs for s in d["stage_milliseconds"]})
    if stages:
        fig, ax = plt.subplots(figsize=(7, 3.2))
        ax.boxplot([[d["stage_milliseconds"].get(s, 0.0) for d in docs] for s in stages])
        ax.set_xticks(range(1, len(stages) + 1), stages, rotation=20)
        ax.set_ylabel("milliseconds per document")
        out["per-stage latency"] = _figure_uri(fig)

    fig, ax = plt.subplots(figsize=(5, 3))
    names = sorted(summary["datasets"])
    acc = [summary["datasets"][n]["rotation_accuracy"] or 0.0 for n in names]
    ax.bar(names, acc, label="this run")
    if baseline:
        ax.plot(names, [baseline["datasets"].get(n, {}).get("rotation_accuracy") or 0.0 for n in names],
                "k_", markersize=30, label="baseline")
    ax.set_ylim(0, 1.05), ax.set_ylabel("rotation accuracy"), ax.legend()
    out["rotation accuracy"] = _figure_uri(fig)
    return out


def page_overlay(record: dict, max_side: int = 900) -> str:
    """The page with ground-truth boxes (green) and predicted boxes (red)."""
    image = cv2.imread(record["image"])
    if image is None:
        return ""
    for text in record["truth"].get("annotations", {}).get("texts", []):
        pts = np.array([[p["x"], p["y"]] for p in text["polygon"]], dtype=np.int32)
        cv2.polylines(image, [pts], True, (0, 170, 0), max(1, image.shape[1] // 600))
    for polygon in (record.get("predicted") or [[]])[0]:
        cv2.polylines(image, [np.array(polygon, dtype=np.int32)], True, (0, 0, 220),
                      max(1, image.shape[1] // 600))
    scale = min(1.0, max_side / max(image.shape[:2]))
    image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    ok, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 80])
    return "data:image/jpeg;base64," + base64.b64encode(jpeg.tobytes()).decode()


def _delta(value: float, base: float | None, better_high: bool = True) -> str:
    if base is None:
        return ""
    d = value - base
    good = (d >= 0) == better_high
    return f' <span class="{"up" if good else "down"}">({d:+.4f})</span>'


def render(summary: dict, records: list[dict], baseline: dict | None = None) -> str:
    e = html.escape
    rows = []
    for name, t in summary["datasets"].items():
        b = (baseline or {}).get("datasets", {}).get(name)
        get = (lambda *keys, b=b: _dig(b, keys)) if b else (lambda *keys: None)
        rows.append(
            f"<tr><td>{e(name)}</td><td>{t['documents']}</td><td>{t['failed']}</td>"
            f"<td><b>{t['alnum']['f1']:.4f}</b>{_delta(t['alnum']['f1'], get('alnum', 'f1'))}</td>"
            f"<td>{t['word']['f1']:.4f}{_delta(t['word']['f1'], get('word', 'f1'))}</td>"
            f"<td>{t['word']['precision']:.4f}</td><td>{t['word']['recall']:.4f}</td>"
            f"<td>{t['cer']:.4f}{_delta(t['cer'], get('cer'), False)}</td>"
            f"<td>{t['wer']:.4f}{_delta(t['wer'], get('wer'), False)}</td>"
            f"<td>{t['line_cer']:.4f}{_delta(t['line_cer'], get('line_cer'), False)}</td>"
            f"<td>{t['detection_recall']:.3f} / {t['detection_precision']:.3f}</td></tr>")
    figures = "".join(f'<figure><img alt="{e(title)}" src="{uri}"><figcaption>{e(title)}</figcaption></figure>'
                      for title, uri in plots(summary, baseline).items())
    docs = "".join(
        f"<tr><td>{e(d['dataset'])}</td><td>{e(d['case_id'])}</td><td>{e(d['outcome'])}</td>"
        f"<td>{d['alnum']['f1']:.3f}</td><td>{d['word']['f1']:.3f}</td><td>{d['cer']:.3f}</td>"
        f"<td>{d['line_cer']:.3f}</td>"
        f"<td>{d['detection']['recall']:.2f}</td><td>{e(str(d['failure_code'] or ''))}</td></tr>"
        for d in sorted(summary["documents"], key=lambda d: (d["dataset"], d["case_id"])))
    # production score objects carry no page image: only pages a local run can show are drawn
    worst = sorted((r for r in records if r.get("image")), key=lambda r: r["alnum"]["f1"])[:WORST]
    pages = "".join(
        f'<figure class="page"><img alt="{e(r["case_id"])}" src="{page_overlay(r)}">'
        f"<figcaption>{e(r['dataset'])}/{e(r['case_id'])}: alphanumeric word F1 {r['alnum']['f1']:.3f}, "
        f"CER {r['cer']:.3f} (green: ground truth, red: ocrflow)</figcaption></figure>" for r in worst)
    title = "ocrflow evaluation" + (f" - {e(summary['variant'])}" if summary.get("variant") else "")
    compared = (f'<p id="baseline">Deltas in brackets are against the baseline run '
                f'"{e(str(baseline.get("variant") or "unnamed"))}".</p>' if baseline else "")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; margin-bottom: 2em; }}
td, th {{ border: 1px solid #ccc; padding: 4px 8px; text-align: right; }}
td:first-child, td:nth-child(2) {{ text-align: left; }}
figure {{ display: inline-block; margin: 0 1em 1em 0; }}
figure.page img {{ max-width: 600px; border: 1px solid #999; }}
.up {{ color: #080; }} .down {{ color: #b00; }}
</style></head><body>
<h1>{title}</h1>
{compared}
<h2>Totals</h2>
<table id="totals"><tr><th>data set</th><th>documents</th><th>failed</th><th>alphanumeric word F1</th>
<th>word F1</th><th>word precision</th><th>word recall</th><th>CER</th><th>WER</th><th>line CER</th>
<th>detection R / P</th></tr>{''.join(rows)}</table>
<h2>Plots</h2><div id="plots">{figures}</div>
<h2>Ten worst pages</h2><div id="worst">{pages}</div>
<h2>Documents</h2>
<script>
// Self-check for headless browsers and humans alike: how many embedded images decoded.
window.addEventListener("load", () => {{
  const images = [...document.images];
  document.body.dataset.imagesLoaded = images.filter(i => i.complete && i.naturalWidth > 0).length;
  document.body.dataset.images = images.length;
}});
</script>
<table id="documents"><tr><th>data set</th><th>case</th><th>outcome</th><th>alphanumeric word F1</th>
<th>word F1</th><th>CER</th>
<th>line CER</th><th>detection R</th><th>failure</th></tr>{docs}</table>
</body></html>
"""


def _dig(data: Any, keys: tuple) -> Any:
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data
