#!/usr/bin/env bash
# Installs the peers (numpy, PyTorch CPU, JAX CPU) into .venv-peers from PyPI, builds convdyn in
# release mode, and runs Benchmarks/peers/compare.py: convdyn and the peers alternately, workload
# by workload, with a table of figures and ratios. Not part of CI. Needs the Fashion-MNIST files
# (apt-get install dataset-fashion-mnist) for W3. `run.sh --avx2` limits everyone to AVX2/FMA.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ ! -x .venv-peers/bin/python ]; then
  python3 -m venv .venv-peers
  .venv-peers/bin/pip install -q --upgrade pip
  .venv-peers/bin/pip install -q "numpy==2.*" "torch==2.13.0+cpu" "jax[cpu]==0.10.2"
fi
swift build -c release --product convdyn
.venv-peers/bin/python -c "import numpy, torch, jax; print('numpy', numpy.__version__, 'torch', torch.__version__, 'jax', jax.__version__)"
exec .venv-peers/bin/python Benchmarks/peers/compare.py "$(swift build -c release --show-bin-path)/convdyn" "$@"
