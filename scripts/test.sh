#!/usr/bin/env bash
# The whole test suite, as `make test` and CI run it.
set -u
cd "$(dirname "$0")/.."
mkdir -p var/reports
export TF_CPP_MIN_LOG_LEVEL=2 PYTHONWARNINGS=ignore

status=0
echo "==> rasa data validate"
.venv/bin/rasa data validate --config config.yml --domain domain.yml --data data var/generated >var/reports/validate.log 2>&1 \
  || { cat var/reports/validate.log; echo "rasa data validate FAILED"; status=1; }

echo "==> rasa test (stories in tests/stories/, failing on prediction errors)"
if ls tests/stories/*.yml >/dev/null 2>&1; then
  .venv/bin/rasa test core --model models/current.tar.gz --stories tests/stories \
      --out var/reports/core --fail-on-prediction-errors >var/reports/core.log 2>&1 \
    || { tail -40 var/reports/core.log; echo "rasa test core FAILED (see var/reports/core/failed_test_stories.yml)"; status=1; }
fi

echo "==> pytest"
.venv/bin/python -m pytest -q -p no:cacheprovider "$@" || status=1
exit $status
