"""Benchmarks of the assistant (`make bench` → scripts/bench.sh → `python -m bench all`).

Parts: `answers` (latency and throughput through the REST channel, component breakdown,
memory, optional py-spy profile), `nlu` (held-out test set and 5-fold cross-validation),
`kb` (policy_kb.bench), `train` (wall time and model size). Each part writes
docs/benchmarks/runs/<part>.json; `report` turns them into docs/benchmarks/results.md
and the PNG plots.
"""
