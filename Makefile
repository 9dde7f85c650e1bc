# The two commands (see README): `make demo` and `make test`.
.PHONY: demo test setup bench lint

demo:
	bash scripts/setup.sh
	.venv/bin/goodwill demo

test:
	bash scripts/test.sh

setup:
	bash scripts/setup.sh --test

bench:
	bash scripts/setup.sh --test
	.venv/bin/python -m benchmarks

lint:
	.venv/bin/ruff check goodwill benchmarks
	.venv/bin/mypy goodwill benchmarks
	.venv/bin/lint-imports
