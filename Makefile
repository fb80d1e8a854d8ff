# Two entry points: `make run` (install, then `dvc repro` on params.yaml) and `make test`.
# Every install step is idempotent: a stamp file records what was installed from which inputs.

SHELL := /bin/bash
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Fonts and background photos the synthetic source and the mining stage render with; Chromium for UI tests.
APT_PACKAGES := python3-venv fonts-noto-cjk fonts-wqy-zenhei fonts-wqy-microhei fonts-arphic-ukai fonts-arphic-uming \
	fonts-droid-fallback fonts-smiley-sans fonts-babelstone-han fonts-dejavu-core fonts-liberation \
	fonts-noto-core fonts-urw-base35 fonts-texgyre mate-backgrounds chromium chromium-driver

# The pipeline runs offline: no hub downloads, no DVC analytics or update checks.
export HF_HUB_OFFLINE := 1
export HF_DATASETS_OFFLINE := 1
export DVC_NO_ANALYTICS := 1
export PYTHONHASHSEED := 0
# dvc.yaml stages call `python -m ...`: the venv's interpreter must come first on PATH.
export PATH := $(abspath $(VENV))/bin:$(PATH)

DEPS_STAMP := $(VENV)/.deps-$(shell cat pyproject.toml | sha256sum | cut -c1-12)
APT_STAMP := .apt-installed

.PHONY: install run run-real test lint clean

install: $(APT_STAMP) $(DEPS_STAMP)

$(APT_STAMP):
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages: $$missing"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@touch $@

$(DEPS_STAMP): | $(APT_STAMP)
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade "pip>=24"
	$(PY) -m pip install -q -e ".[dev]"
	# Reference look-alike lists (pycorrector's same_stroke.txt) ship as package data; its runtime
	# dependencies are not needed because only the data files are read.
	$(PY) -m pip install -q --no-deps pycorrector==1.1.4
	$(VENV)/bin/dvc config --local core.analytics false
	$(VENV)/bin/dvc config --local core.check_update false
	@rm -f $(VENV)/.deps-*
	@touch $@

run: install
	$(VENV)/bin/dvc repro
	$(VENV)/bin/dvc metrics show metrics/eval

# Real-input profile: params.yaml overlaid with profiles/real.yaml, run in a scratch copy.
run-real: install
	$(PY) -m pipeline.profile run real

test: install
	$(PY) -m pytest -q

lint: install
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

clean:
	rm -rf data models metrics plots rcc-fgvc el-fgvc .dvc/cache .dvc/tmp
