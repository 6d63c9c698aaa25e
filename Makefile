# sohoa: two commands on a fresh Debian 12 machine (Python 3.11, root):
#   make demo   installs what it needs, ingests samples/ and serves the web UI on :8000
#   make test   installs the same and runs the whole test suite
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DEMO_HOME ?= sohoa-data
APT_PACKAGES := tesseract-ocr tesseract-ocr-vie tesseract-ocr-eng tesseract-ocr-osd \
	ghostscript qpdf poppler-utils unpaper pngquant fonts-liberation2 fonts-dejavu-core \
	chromium age
# npm fetches the optional Vietnamese models (`python -m ocr.models install --model best_int`; the
# default, Debian's fast model, is linked); a machine whose Node.js came from elsewhere already has
# npm, and Debian's npm package conflicts with that nodejs, so it is installed only when missing.
NPM_PACKAGE := $(if $(shell command -v npm),,npm)
STAMP := $(VENV)/.installed

.PHONY: all deps system-deps venv models demo test test-corpus bench lint clean

all: deps

deps: system-deps venv models

system-deps:
	@missing=""; for p in $(APT_PACKAGES) $(NPM_PACKAGE); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing system packages:$$missing"; \
	  if [ "$$(id -u)" != 0 ]; then echo "run as root (or install:$$missing)"; exit 1; fi; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -q && apt-get install -y -q --no-install-recommends $$missing; \
	fi

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

models: venv
	$(BIN)/python -m ocr.models install

# The demo's secrets are for the demo only: change them (or set the variables) for real use.
DEMO_PASSWORD ?= demo-admin-password
demo: deps
	@export SOHOA_VAULT_PASSPHRASE=$${SOHOA_VAULT_PASSPHRASE:-demo-passphrase-change-me}; \
	$(BIN)/sohoa init --home $(DEMO_HOME) && \
	for who in admin:admin officer:officer; do name=$${who%%:*}; role=$${who##*:}; \
	  clearance=$$( [ $$role = officer ] && echo "--clearance toi_mat" ); \
	  $(BIN)/sohoa user list --home $(DEMO_HOME) --json | grep -q "\"name\": \"$$name\"" || \
	  echo "$(DEMO_PASSWORD)" | $(BIN)/sohoa user add $$name --home $(DEMO_HOME) --role $$role $$clearance --password-stdin; \
	done; \
	$(BIN)/sohoa ingest --home $(DEMO_HOME) samples/*.pdf samples/*.tif samples/*.png samples/*.jpg; \
	$(BIN)/sohoa status --home $(DEMO_HOME); \
	echo; echo "Web UI: http://127.0.0.1:8000/  (log in as admin or officer, password $(DEMO_PASSWORD); Ctrl+C to stop)"; \
	$(BIN)/sohoa serve --home $(DEMO_HOME) --host 127.0.0.1 --port 8000

test: deps
	$(BIN)/python -m pytest -q

# Optional: the shared evaluation corpus (../shared/corpus), not needed by `make test`.
test-corpus: deps
	SOHOA_CORPUS=$${SOHOA_CORPUS:-../shared/corpus} $(BIN)/python -m pytest -q tests/corpus

bench: deps
	$(BIN)/python bench/run_all.py

lint: venv
	$(BIN)/pip install -q ruff mypy
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts
