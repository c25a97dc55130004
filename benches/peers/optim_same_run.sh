#!/usr/bin/env bash
# The optimizer-step comparison of benches/README-optim.md in one run: PyTorch (single thread)
# before and after ferrokern's criterion bench, with the load average at each point, so the
# ratios are measured under the same conditions.
#   usage: benches/peers/optim_same_run.sh [PYTHON]   (PYTHON: a venv with torch, see
#          optim_torch_bench.py; default /work/venv-torch/bin/python)
set -euo pipefail
py=${1:-/work/venv-torch/bin/python}
cd "$(dirname "$0")/../.."
echo "# load: $(uptime)"
echo "# torch (before):"; "$py" benches/peers/optim_torch_bench.py
echo "# load: $(uptime)"
cargo bench -p ferrokern-benches --bench optim -- 'optim_step/.*/(1000000|10000000)$' 2>&1 |
    grep -E '^optim_step|time:' | grep -v '%'
echo "# load: $(uptime)"
echo "# torch (after):"; "$py" benches/peers/optim_torch_bench.py
echo "# load: $(uptime)"
