# Two commands for a new user: `make demo` and `make test`. Only Python 3.11+ and make are needed.
# When uv is missing it is installed into a virtual environment of its own under .tools/, because
# Debian 12 and Ubuntu 24.04 refuse `pip install` outside one (PEP 668).
TOOLS := .tools
UV := $(shell command -v uv 2>/dev/null || echo $(TOOLS)/bin/uv)
export BROWSER_PATH ?= /usr/bin/chromium

.PHONY: uv install install-test demo test lint format architecture pytest bench lowest clean

uv:
	@command -v uv >/dev/null 2>&1 || test -x $(TOOLS)/bin/uv || { \
		echo "uv is missing: installing it into $(TOOLS)/"; \
		python3 -m venv $(TOOLS) && $(TOOLS)/bin/python -m pip install --quiet uv; \
	} || { \
		rm -rf $(TOOLS); \
		python3 -m venv --without-pip $(TOOLS) \
		&& python3 -m pip --python $(TOOLS)/bin/python install --quiet uv; \
	} || { \
		echo "make: uv could not be installed; install the python3-venv package (Debian, Ubuntu)" \
			"or uv itself (https://docs.astral.sh/uv/), then run make again." >&2; \
		exit 1; \
	}

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

# Every test, the slow ones too (a plain `uv run pytest` leaves them out).
pytest:
	$(UV) run pytest -m "slow or not slow"

# The declared lower bounds are real: the oldest version each direct dependency allows, in an
# environment of its own (the lock file is left alone), passes the fast tests.
LOWEST := .venv-lowest
lowest: uv
	rm -rf $(LOWEST)
	$(UV) venv --quiet --python 3.11 $(LOWEST)
	$(UV) pip install --quiet --python $(LOWEST) --resolution lowest-direct -e . --group dev
	$(LOWEST)/bin/python -m pytest tests/unit tests/spec -m "not slow and not browser" -q \
		-p no:cacheprovider

bench: install
	$(UV) run pathways bench --size small

clean:
	rm -rf .demo .pytest_cache $(LOWEST)
