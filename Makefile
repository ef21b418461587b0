# kefu — the two commands: `make demo` and `make test`.
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc)
CMAKE_ARGS ?=

.PHONY: all deps build build-asan console widget test test-release test-asan demo bench bench-nlu clean

all: build

deps:
	@scripts/install-deps

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_ARGS)

$(ASAN_BUILD)/build.ninja:
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DKEFU_SANITIZE=ON \
	  -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" $(CMAKE_ARGS)

build: deps $(BUILD)/build.ninja console widget
	ninja -C $(BUILD) -j $(JOBS)

# The agent console (Vue 3 + Vite + TypeScript), built into web/console/dist,
# which `kefu serve --console-dir` serves at /console/; rebuilt when a source changes
CONSOLE_SOURCES := $(shell find web/console/src -type f) $(wildcard web/console/*.json \
  web/console/*.ts web/console/index.html)
console: web/console/dist/index.html

web/console/dist/index.html: $(CONSOLE_SOURCES) | deps
	cd web/console && npm run --silent build

# The chat widget (plain JS, bundled and minified by esbuild) into
# web/widget/dist/widget.js; the demo page's /widget.js links to it
WIDGET_SOURCES := $(shell find web/widget/src -type f) web/widget/package.json
widget: web/widget/dist/widget.js

web/widget/dist/widget.js: $(WIDGET_SOURCES) | deps
	cd web/widget && npm run --silent build

build-asan: deps $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD) -j $(JOBS)

# Every test, twice: the release build, then AddressSanitizer + UBSan.
test: test-release test-asan

test-release: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS) --timeout 300

test-asan: build-asan
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --test-dir $(ASAN_BUILD) --output-on-failure -j $(JOBS) --timeout 600

# kefu on SQLite under ./var: the demo shop's bot (examples/shop) answering in
# the chat widget on the demo shop page at http://localhost:8080, its flows
# calling the demo order service that runs inside the same process
demo: deps $(BUILD)/build.ninja console widget
	ninja -C $(BUILD) -j $(JOBS) kefu
	@mkdir -p var
	@echo ""
	@echo "  kefu demo: open http://localhost:8080  (Ctrl-C stops it)"
	@echo "  agent console: http://localhost:8080/console/"
	@echo ""
	$(BUILD)/kefu serve --listen 0.0.0.0 --port 8080 --data-dir var --static-dir web/demo --demo \
	  --bot examples/shop --demo-orders --console-dir web/console/dist

bench: deps $(BUILD)/build.ninja
	scripts/bench $(BUILD)
	scripts/bench-nlu $(BUILD)

# Language understanding alone: intents, FAQ, emotion, beside nlp.js (docs/benchmarks.md)
bench-nlu: deps $(BUILD)/build.ninja
	scripts/bench-nlu $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
