# podinit: `make demo` shows it end to end, `make test` checks everything from a bare machine.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := build
MAKEFLAGS += --no-builtin-rules

CACHE := .cache
DIST := dist
ARCH := $(shell uname -m)

# QuickJS comes from Debian's source package, pinned by the SHA-256 of the upstream tarball.
QJS_VERSION := 2025.04.26
QJS_SHA256 := ec81da5b3249ed648dbc7df4a1654988910e66a118d9b71cb63534216efcfbbe
QJS_SRC := $(CACHE)/quickjs-src
QJS_HOST := $(CACHE)/quickjs-host-$(ARCH)
QJS_MUSL := $(CACHE)/quickjs-musl-$(ARCH)
QJS_LIB_SOURCES := quickjs.c libregexp.c libunicode.c cutils.c dtoa.c
QJS_DEFINES := -D_GNU_SOURCE -DCONFIG_VERSION=\"2025-04-26\"

PODINIT_VERSION := $(shell node -p "require('./package.json').version" 2>/dev/null || echo 0.0.0)
INIT_SOURCES := $(wildcard init/src/*.ts packages/options/src/*.ts)
INIT_NATIVE := init/native/main.c init/native/arena_alloc.c init/native/native_module.c \
	init/native/native_signals.c init/native/native_process.c init/native/native_files.c
INIT_NATIVE_HEADERS := init/native/arena_alloc.h init/native/native_module.h
INIT_CFLAGS := -Os -fwrapv -fno-strict-aliasing -ffunction-sections -fdata-sections -Wall -Wno-array-bounds -Wno-format-truncation -Werror=implicit-function-declaration

# Debian packages the build, the tests, the benchmarks and the demo use. iptables: netavark's
# firewall driver for the bridge `podman build`'s RUN steps get; no package here pulls it in.
# containerd (1.6, the oldest test cluster's runtime), containernetworking-plugins and iproute2:
# the test clusters' nodes (e2e/cluster).
APT_PACKAGES := build-essential musl-tools xz-utils file procps time util-linux bsdutils python3 openssl \
	podman runc netavark iptables skopeo docker-registry apache2-utils busybox-static debootstrap \
	tini dumb-init catatonit hyperfine nghttp2-client containerd containernetworking-plugins iproute2

# The test clusters: the oldest and the newest Kubernetes release podinit supports, as
# e2e/cluster/components.ts lists them. Their components are built with Go from the Go module
# proxy into ~/.cache/podinit/cluster (PODINIT_CLUSTER_CACHE), once per machine.
CLUSTER_RELEASES := $(shell sed -n 's/^ *{\{0,1\} *key: "\([0-9.]*\)".*/\1/p' e2e/cluster/components.ts)
# Every test cluster, also those named for their runtime (1.37-containerd1.6): injection.mode=auto
# runs on each, and must find out by itself which of them mount image volumes.
CLUSTERS := $(shell sed -n 's/^ *{\{0,1\} *key: "\([^"]*\)".*/\1/p' e2e/cluster/components.ts)
$(if $(CLUSTER_RELEASES),,$(error no test cluster releases found in e2e/cluster/components.ts))
K8S ?= $(lastword $(CLUSTER_RELEASES))
HELM := $(shell sed -n 's/^export const HELM = "\(.*\)";/\1/p' e2e/cluster/components.ts)
GO_MIN := 1.21

.PHONY: deps deps-system deps-node node-check go-check helm build init webhook typecheck lint test test-unit conformance e2e e2e-cluster cluster-up cluster-down chart-lint images bench demo clean distclean

## deps: install what this machine lacks (Debian packages as root, then npm ci)
deps: deps-system deps-node

deps-system:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q 'install ok installed' || printf '%s ' "$$p"; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" != 0 ]; then echo "make deps: run as root to install: $$missing" >&2; exit 1; fi; \
	  echo "installing Debian packages: $$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

deps-node: node_modules/.package-lock.json
node_modules/.package-lock.json: package-lock.json | node-check
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Node is not in APT_PACKAGES: bookworm's nodejs (18) is too old, and a newer one from NodeSource
# or nvm must not be shadowed by it. NODE_MIN is package.json's engines.node.
NODE_MIN := $(shell sed -n 's/^ *"node": ">=\([0-9.]*\)".*/\1/p' package.json)
node-check:
	@if ! command -v node >/dev/null || ! command -v npm >/dev/null; then \
	  echo "make deps: podinit needs Node.js >= $(NODE_MIN) and npm on PATH (Debian trixie: apt-get install nodejs npm; bookworm's nodejs is too old: use NodeSource or nvm)" >&2; \
	  exit 1; \
	fi
	@have=$$(node -p process.versions.node); \
	if [ "$$(printf '%s\n' "$(NODE_MIN)" "$$have" | sort -V | head -n 1)" != "$(NODE_MIN)" ]; then \
	  echo "make deps: podinit needs Node.js >= $(NODE_MIN), this is $$have" >&2; exit 1; \
	fi

# Go builds the test clusters' components. From 1.21 on it fetches the newer toolchain a pinned
# module asks for (go.mod's `go` line) from the Go module proxy (build.sh sets GOTOOLCHAIN=auto).
go-check:
	@if ! command -v go >/dev/null; then \
	  echo "make: the test clusters need Go >= $(GO_MIN) on PATH (apt-get install golang-go on trixie, or a Go from go.dev)" >&2; exit 1; \
	fi
	@have=$$(go env GOVERSION | sed 's/^go//'); \
	if [ "$$(printf '%s\n' "$(GO_MIN)" "$$have" | sort -V | head -n 1)" != "$(GO_MIN)" ]; then \
	  echo "make: the test clusters need Go >= $(GO_MIN), this is $$have" >&2; exit 1; \
	fi

# Helm 4 for the chart tests, built before them: a cold build takes minutes, more than a test may.
helm: go-check
	@e2e/cluster/build/build.sh $(HELM) >/dev/null

## build: podinit's static binary and the webhook bundle
build: deps init webhook

## init: dist/podinit, the static PID-1 binary
init: $(DIST)/podinit

$(QJS_SRC)/quickjs.h:
	scripts/fetch-quickjs.sh $(QJS_VERSION) $(QJS_SHA256) $(QJS_SRC)

$(QJS_HOST)/qjsc: $(QJS_SRC)/quickjs.h
	@mkdir -p $(QJS_HOST)
	gcc -O2 $(QJS_DEFINES) -DCONFIG_CC=\"gcc\" -DCONFIG_PREFIX=\"/usr/local\" -w \
	  -o $@ $(QJS_SRC)/qjsc.c $(addprefix $(QJS_SRC)/,$(QJS_LIB_SOURCES) quickjs-libc.c) -lm -lpthread

$(QJS_MUSL)/libquickjs.a: $(QJS_SRC)/quickjs.h
	@mkdir -p $(QJS_MUSL)
	cd $(QJS_MUSL) && for f in $(QJS_LIB_SOURCES); do \
	  musl-gcc $(INIT_CFLAGS) -w $(QJS_DEFINES) -c $(CURDIR)/$(QJS_SRC)/$$f -o $${f%.c}.o; done
	ar rcs $@ $(QJS_MUSL)/*.o

$(CACHE)/init/podinit.js: $(INIT_SOURCES) package.json | deps-node
	@mkdir -p $(CACHE)/init
	npx esbuild init/src/main.ts --bundle --format=esm --platform=neutral --target=es2023 \
	  --external:podinit_native \
	  --define:PODINIT_VERSION='"$(PODINIT_VERSION)"' --log-level=warning --outfile=$@

# Bytecode only (-c): init/native/main.c is the entry point, with no quickjs-libc.
$(CACHE)/init/podinit_bytecode.c: $(CACHE)/init/podinit.js $(QJS_HOST)/qjsc Makefile
	$(QJS_HOST)/qjsc -c -s -m -N podinit_bytecode -M podinit_native,podinit_native -o $@ $<

$(DIST)/podinit: $(CACHE)/init/podinit_bytecode.c $(INIT_NATIVE) $(INIT_NATIVE_HEADERS) $(QJS_MUSL)/libquickjs.a
	@mkdir -p $(DIST)
	musl-gcc -static $(INIT_CFLAGS) $(QJS_DEFINES) -I$(QJS_SRC) -Wl,--gc-sections -s -o $@.tmp \
	  $(CACHE)/init/podinit_bytecode.c $(INIT_NATIVE) $(QJS_MUSL)/libquickjs.a -lm
	mv $@.tmp $@
	@ls -l $@ | awk '{print "built " $$9 ": " $$5 " bytes"}'

## webhook: dist/webhook/main.js
webhook: $(DIST)/webhook/main.js
$(DIST)/webhook/main.js: $(shell find webhook init/src packages -name '*.ts' 2>/dev/null) package.json | deps-node
	@mkdir -p $(DIST)/webhook
	npx esbuild webhook/src/main.ts --bundle --platform=node --format=esm --target=node20 \
	  --packages=external --define:PODINIT_VERSION='"$(PODINIT_VERSION)"' --log-level=warning --outfile=$@

typecheck: deps-node
	npx tsc -p tsconfig.json && npx tsc -p init/tsconfig.json

lint: deps-node
	npx eslint .
	npx prettier --check . --log-level=warn

## test: everything, from a bare machine: install, build, static checks, unit, integration, e2e
# Each suite runs whether or not the other passed. Its exit code goes beside its report, because
# vitest's JSON report leaves out errors raised outside a test.
test: deps
	$(MAKE) --no-print-directory build
	$(MAKE) --no-print-directory typecheck lint
	@rm -rf $(CACHE)/test-results && mkdir -p $(CACHE)/test-results
	@rc=0; $(MAKE) --no-print-directory test-unit || rc=$$?; echo $$rc > $(CACHE)/test-results/unit.exit
	@rc=0; $(MAKE) --no-print-directory e2e || rc=$$?; echo $$rc > $(CACHE)/test-results/e2e.exit
	@for k8s in $(CLUSTER_RELEASES); do \
	  rc=0; $(MAKE) --no-print-directory e2e-cluster K8S=$$k8s || rc=$$?; echo $$rc > $(CACHE)/test-results/cluster-$$k8s.exit; \
	done
	@for k8s in $(CLUSTERS); do \
	  rc=0; $(MAKE) --no-print-directory e2e-cluster K8S=$$k8s MODE=auto || rc=$$?; echo $$rc > $(CACHE)/test-results/cluster-$$k8s-auto.exit; \
	done
	node scripts/test-summary.mjs $(CACHE)/test-results unit.json e2e.json $(foreach k8s,$(CLUSTER_RELEASES),cluster-$(k8s).json) $(foreach k8s,$(CLUSTERS),cluster-$(k8s)-auto.json)

test-unit: deps helm
	npx vitest run --config test/vitest.config.ts

## e2e: mutated pods in real containers (podman + runc)
e2e: deps-system build
	npx vitest run --config e2e/vitest.config.ts

## e2e-cluster: the chart on a real single-node Kubernetes $(K8S) (etcd, API server, kubelet, containerd) [MODE=imageVolume|auto]
e2e-cluster: deps go-check build
	PODINIT_K8S=$(K8S) PODINIT_INJECTION_MODE=$(or $(MODE),initContainer) npx vitest run --config e2e/cluster/vitest.config.ts

## cluster-up [K8S=1.34|1.37|1.37-containerd1.6]: one test node left running (kubectl inside its namespaces); cluster-down stops it
cluster-up: deps go-check build
	npx tsx e2e/cluster/cli.ts up $(K8S)

# Without K8S on the command line every test cluster of this checkout is stopped.
cluster-down: deps-node
	npx tsx e2e/cluster/cli.ts down $(if $(filter command line,$(origin K8S)),$(K8S))

## chart-lint: helm lint plus the chart and image tests
chart-lint: deps helm
	"$$(e2e/cluster/build/build.sh $(HELM))/bin/helm" lint --strict charts/podinit
	npx vitest run --config test/vitest.config.ts test/chart

## images: the init and webhook images (images/README.md covers registries, multi-arch and offline builds)
images: build
	podman build -f images/podinit/Containerfile -t podinit/podinit:$(PODINIT_VERSION) $(DIST)
	podman build -f images/webhook/Containerfile --ignorefile images/webhook/Containerfile.dockerignore -t podinit/webhook:$(PODINIT_VERSION) .

## bench: side-by-side measurements, written to docs/benchmarks.md
bench: deps build
	npx tsx bench/run.ts $(BENCH_FLAGS)

## conformance: the peers' test cases against podinit, tini, tini-static, dumb-init and catatonit, into docs/benchmarks.md
conformance: deps build
	npx tsx bench/run.ts --only conformance

## demo: the main job end to end on podman; DEMO=cluster on a real Kubernetes node ([K8S=1.34|1.37])
demo: deps build
	@if [ "$(DEMO)" = cluster ]; then \
	  $(MAKE) --no-print-directory go-check && K8S=$(K8S) npx tsx e2e/cluster/demo.ts; \
	else npx tsx e2e/demo.ts; fi

clean:
	rm -rf $(DIST) $(CACHE)/init $(CACHE)/test-results

distclean: clean
	rm -rf $(CACHE) node_modules
