# vanthu — developer entry points (GNU make).
#
#   make setup   system packages + .venv (no-op when nothing changed)
#   make run     setup, load sample documents, serve on http://127.0.0.1:8000
#   make test    setup, ensure the test PostgreSQL, run pytest
#   make bench   setup, run the benchmarks, regenerate the README result tables
#   make train   setup, run the DVC pipeline (dvc.yaml)
#   make clean   remove .venv and build/test caches (keeps the data dir)

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules

PYTHON        ?= python3
VENV          := .venv
BIN           := $(VENV)/bin
# Written last by the venv recipe; rebuilt when pyproject.toml (or the checks) change.
# (Scripts are run with `bash scripts/...` so a lost exec bit does not matter.)
STAMP         := $(VENV)/.setup-stamp

# torch goes in first, pinned, so pip takes the local CPU wheel
# (torch-2.13.0+cpu in /opt/wheels, also configured as pip find-links);
# installing the project first would resolve torch from PyPI with CUDA (GBs).
TORCH_VERSION ?= 2.13.0
TORCH_WHEELS  ?= /opt/wheels

HOST ?= 127.0.0.1
PORT ?= 8000
# Test files run on every core (pytest-xdist); a file stays on one worker so its
# module fixtures (trained tiny models, a started service) are built once.
PYTEST_ARGS ?= -n auto --dist loadfile

# Where the service keeps documents and its state (absolute, so it does not
# depend on the working directory of whatever reads it).
VANTHU_DATA_DIR ?= $(CURDIR)/var
export VANTHU_DATA_DIR
VANTHU_TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/vanthu_test
export VANTHU_TEST_POSTGRES_URL
# The tesserocr wheel bundles its own libtesseract whose built-in tessdata
# path is "./"; point it at Debian's language data (eng, osd, vie).
TESSDATA_PREFIX ?= $(firstword $(wildcard /usr/share/tesseract-ocr/*/tessdata) /usr/share/tesseract-ocr/5/tessdata)
export TESSDATA_PREFIX

.PHONY: help setup system venv run test bench train clean

help:
	@sed -n 's/^#   //p' $(firstword $(MAKEFILE_LIST))

setup: system venv

system:
	@bash scripts/install-system.sh

venv: $(STAMP)

$(STAMP): pyproject.toml scripts/check-venv.py | system
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install $(if $(wildcard $(TORCH_WHEELS)),--find-links $(TORCH_WHEELS)) 'torch==$(TORCH_VERSION)'
	$(BIN)/python -m pip install -e '.[test]'
	$(BIN)/python scripts/check-venv.py
	@touch $@

run: setup
	mkdir -p '$(VANTHU_DATA_DIR)'
	$(BIN)/vanthu users bootstrap
	$(BIN)/vanthu samples
	exec $(BIN)/vanthu serve --host $(HOST) --port $(PORT)

# pytest exit codes are passed through; 5 ("no tests collected") is a failure
# too, with a message, so an empty or mis-pointed test run never looks green.
test: setup
	bash scripts/ensure-postgres.sh
	@rc=0; OMP_THREAD_LIMIT=1 $(BIN)/python -m pytest $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests (exit 5); failing" >&2; fi; \
	exit $$rc

bench: setup
	OMP_THREAD_LIMIT=1 $(BIN)/vanthu bench
	OMP_THREAD_LIMIT=1 $(BIN)/vanthu synth-bench
	$(BIN)/python -m eval.readme_tables

# The `train` extra brings dvc and scikit-learn; the stages call `vanthu`, so .venv/bin goes on PATH.
train: setup
	$(BIN)/python -m pip install -q -e '.[test,train]'
	PATH='$(CURDIR)/$(BIN)':"$$PATH" $(BIN)/vanthu train

clean:
	rm -rf $(VENV) build dist .pytest_cache *.egg-info
	find . -path ./.git -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +
