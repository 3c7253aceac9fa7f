# Two commands do all set-up on a fresh clone: `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Tests and the demo use ../shared/datasets when it exists (CI, this project's machines).
GRADER_DATA ?= $(shell test -d ../shared/datasets && cd ../shared/datasets && pwd)
export GRADER_DATA

.PHONY: demo test test-slow install clean masters

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/grader demo --out demo-reports

# The default suite runs in TEST_WORKERS processes (pytest-xdist): most of its time is spent waiting on graders,
# servers and deadlines, so 3 workers keep even a 2-core machine busy.
TEST_WORKERS ?= 3

test: $(STAMP)
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist worksteal

test-slow: $(STAMP)
	$(PY) -m pytest -q -m slow

# Regenerate every bundled assignment (assignments/<name>/ and reference/<name>/solution.py) from its master,
# reference/<name>/master.py, keeping its recordings (tests/test_masters.py checks that the files match).
masters: $(STAMP)
	for f in reference/*/master.py; do \
	  $(VENV)/bin/grader assign "$$f" --out . --no-record --no-validate --no-mutants || exit 1; done

clean:
	rm -rf demo-reports .pytest_cache
