# The two set-up commands of the README: `make demo` (main job on a bundled default) and `make test`.
# Both create .venv at the repo root and install everything into it (torch's CPU build from this
# machine's wheel folder, everything else from PyPI).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.emoshift-installed
PYTHON ?= $(shell command -v python3.11 || command -v python3)

.PHONY: demo test install

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	mkdir -p out
	$(VENV)/bin/emoshift head --expression mouthSmile_L=1,mouthSmile_R=1,jawOpen=0.3 --out out/head.obj --force

# node tools for the tests (the Khronos glTF validator), pinned by tools/package-lock.json
TOOLS_STAMP := tools/node_modules/.emoshift-installed
$(TOOLS_STAMP): tools/package-lock.json
	npm ci --prefix tools --no-audit --no-fund
	touch $(TOOLS_STAMP)

test: $(STAMP) $(TOOLS_STAMP)
	$(PY) -m pytest -q -p no:cacheprovider
