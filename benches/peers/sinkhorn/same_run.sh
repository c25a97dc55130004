#!/usr/bin/env bash
# The log-domain comparison of benches/README-ot.md in one run: POT `sinkhorn_log` (one
# thread, float64 and float32) before and after ferrokern's `iter_log` criterion bench, with
# the load average at each point, so the ratios are measured under the same conditions.
#   usage: benches/peers/sinkhorn/same_run.sh [PYTHON]   (default /work/venv-sinkhorn/bin/python)
set -euo pipefail
py=${1:-/work/venv-sinkhorn/bin/python}
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
echo "# load: $(uptime)"
echo "# POT (before):"; "$py" benches/peers/sinkhorn/pot_bench.py --log-only
echo "# load: $(uptime)"
cargo bench -p ferrokern-benches --bench ot -- 'iter_log' 2>&1 | grep -E '^ot/|time:' | grep -v '%'
echo "# load: $(uptime)"
echo "# POT (after):"; "$py" benches/peers/sinkhorn/pot_bench.py --log-only
echo "# load: $(uptime)"
