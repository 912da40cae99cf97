# Two commands do everything on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PY := .venv/bin/python
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONHASHSEED := 0
export POLICY_KB_DB ?= $(CURDIR)/var/policy_kb.sqlite

.PHONY: run test setup kb train bench validate clean

## run: install, build the knowledge base, train if needed, start everything
run: setup kb train
	@$(PY) -m bot.launcher

## test: the same set-up, then the whole test suite (non-zero exit on any failure)
test: setup kb train
	@bash scripts/test.sh

setup:
	@bash scripts/setup.sh

KB_INPUTS := $(wildcard policy_kb/sources/* policy_kb/*.yml policy_kb/answers/*.yml policy_kb/rules/*.yml policy_kb/*.py policy_kb/dictionary/*)

kb: setup var/policy_kb.sqlite

# Rebuilt only when a notice, a data file or the builder changed.
var/policy_kb.sqlite: $(KB_INPUTS)
	@mkdir -p var
	@$(PY) -m policy_kb build || { echo "KNOWLEDGE BASE BUILD FAILED: see above; \`$(PY) -m policy_kb check\` names the problem." >&2; exit 1; }

train: setup kb
	@$(PY) -m bot.train

validate: setup
	@$(PY) -c "from bot.faq_data import write; write()" && .venv/bin/rasa data validate --config config.yml --domain domain.yml --data data var/generated

## bench: benchmarks; figures written to docs/benchmarks/
bench: setup kb train
	@bash scripts/bench.sh

clean:
	rm -rf models var/policy_kb.sqlite results
