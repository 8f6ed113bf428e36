# Two commands for a new user: `make demo` and `make test`. Only Python 3.11+ and make are needed;
# uv is installed with pip when it is missing.
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
export BROWSER_PATH ?= /usr/bin/chromium

.PHONY: install demo test lint format typecheck architecture pytest bench clean

install:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 \
		|| python3 -m pip install --quiet uv
	$(UV) sync --frozen

demo: install
	$(UV) run pathways demo

test: install lint architecture pytest

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
