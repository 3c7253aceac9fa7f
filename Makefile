# Two commands do all set-up on a fresh clone: `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Tests and the demo use ../shared/datasets when it exists (CI, this project's machines).
GRADER_DATA ?= $(shell test -d ../shared/datasets && cd ../shared/datasets && pwd)
export GRADER_DATA

.PHONY: demo test test-slow install clean starters

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/grader demo --out demo-reports

test: $(STAMP)
	$(PY) -m pytest -q

test-slow: $(STAMP)
	$(PY) -m pytest -q -m slow

# Regenerate every assignments/<name>/starter.ipynb from its starter.py (jupytext percent format).
starters: $(STAMP)
	for f in assignments/*/starter.py; do $(VENV)/bin/jupytext --quiet --set-kernel python3 --to ipynb "$$f"; done

clean:
	rm -rf demo-reports .pytest_cache
