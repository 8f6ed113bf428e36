# Two commands for a new user: `make demo` and `make test`. Only Python 3.11+ and make are needed;
# uv is installed with pip when it is missing.
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
export BROWSER_PATH ?= /usr/bin/chromium

.PHONY: uv install install-test demo test lint format architecture pytest bench clean

uv:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 \
		|| python3 -m pip install --quiet uv || python3 -m pip install --quiet --user uv

install: uv
	$(UV) sync --frozen

# The tests also cover the Spark linkage engine, an optional extra the demo does not need.
install-test: uv
	$(UV) sync --frozen --extra spark

demo: install
	$(UV) run pathways demo

test: install-test lint architecture pytest

lint:
	$(UV) run ruff check .
	$(UV) run ruff format --check .

format:
	$(UV) run ruff format .
	$(UV) run ruff check --fix .

architecture:
	$(UV) run lint-imports

pytest:
	$(UV) run pytest

bench: install
	$(UV) run pathways bench --size small

clean:
	rm -rf .demo .pytest_cache
