#!/usr/bin/env bash
# Benchmarks (`make bench`): latency/throughput through the REST channel, NLU scores,
# knowledge base, training. Figures go to docs/benchmarks/ (results.md, runs/*.json,
# PNG plots). Runs a private stack on ports 19605/19655/19680 and stops it at the end.
# Usage: bash scripts/bench.sh [all|answers|blind|dev|nlu|kb|train|eligibility|ops|report] [--quick]
set -u
cd "$(dirname "$0")/.."
export TF_CPP_MIN_LOG_LEVEL=2 PYTHONWARNINGS=ignore PYTHONHASHSEED=0
export POLICY_KB_DB="${POLICY_KB_DB:-$PWD/var/policy_kb.sqlite}"
if [ -z "${PY_SPY:-}" ] && ! command -v py-spy >/dev/null 2>&1; then
  echo "(py-spy not installed: the profile part is skipped; install it with: pip install py-spy)"
fi
exec .venv/bin/python -m bench "${@:-all}"
