# dsh — the diffusion shell.
#   make demo    build dsh and run the quicktour walkthrough (the main job)
#   make test    build and run every test (optimised build; what CI runs)
#   make bench   speed table: dsh against PyTorch on the same shapes (PyTorch column needs .venv-ref)
#   make deps    install the Debian packages dsh needs (when missing)

SWIFT      ?= swift
APT_PKGS   := libopenblas-dev libpng-dev libreadline-dev pngcheck
RELEASE    := -c release
TESTFLAGS  := -c release -Xswiftc -enable-testing --scratch-path .build-test
DSH        := .build/release/dsh

.PHONY: all deps build demo test bench fixtures clean

all: build

deps:
	@missing=""; for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "make deps: installing$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	  else \
	    echo "dsh needs these Debian packages:$$missing"; \
	    echo "install them with: sudo apt-get install$$missing"; exit 1; \
	  fi; \
	fi

build: deps
	$(SWIFT) build $(RELEASE) --product dsh

demo: build
	$(DSH) --echo examples/quicktour.dsh

test: deps
	$(SWIFT) build $(TESTFLAGS) --build-tests
	$(SWIFT) test $(TESTFLAGS) --skip-build --parallel --num-workers 2

bench: deps
	$(SWIFT) build $(RELEASE) --product dsh
	$(SWIFT) build $(RELEASE) --product dsh-bench
	.build/release/dsh-bench

fixtures:
	@test -x .venv-ref/bin/python || { echo "make fixtures needs the reference environment: python3 -m venv .venv-ref && .venv-ref/bin/pip install torch==2.15.0 diffusers==0.42.1 safetensors"; exit 1; }
	for f in tools/fixtures_*.py; do echo "== $$f"; .venv-ref/bin/python $$f || exit 1; done

clean:
	rm -rf .build .build-test
