#!/usr/bin/env bash
# The GPU run of benchmarks/gpu.py on a GPU machine that has this repository but not our datasets or
# bubblewrap: assembles CIFAR-10 and MNIST from the drop folder that benchmarks/gpu-pack.sh fills,
# unpacks Debian's bubblewrap package when the machine has no bwrap, then runs every part.
#
#   benchmarks/gpu.sh OUT [gpu.py options]      (GPU_DROP: the drop folder, default /tmp/gd)
#   benchmarks/gpu.sh OUT --small               (a CPU dry run; uses $GRADER_DATA when set)
set -euo pipefail
out=${1:?usage: benchmarks/gpu.sh OUT [--small] [--jobs N] [--deadline S]}
shift
repo=$(cd "$(dirname "$0")/.." && pwd)
drop=${GPU_DROP:-/tmp/gd}
if [ -z "${GRADER_DATA:-}" ]; then
    export GRADER_DATA=/tmp/grader-data
    if [ ! -f "$GRADER_DATA/cifar10/SHA256SUMS" ]; then
        mkdir -p "$GRADER_DATA"
        cat "$drop"/cifar10.tar.part-* | tar -x -C "$GRADER_DATA"
        tar -x -C "$GRADER_DATA" -f "$drop/mnist.tar"
        gunzip -kf "$GRADER_DATA"/MNIST/raw/*.gz
        (cd "$GRADER_DATA/cifar10" && sha256sum -c --quiet SHA256SUMS)
    fi
fi
if ! command -v bwrap >/dev/null && [ -z "${CNN_GRADER_BWRAP:-}" ]; then
    dpkg -x "$drop"/bubblewrap_*.deb /tmp/bubblewrap
    export CNN_GRADER_BWRAP=/tmp/bubblewrap/usr/bin/bwrap
fi
export PYTHONPATH="$repo${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
cd "$repo"
if command -v nvidia-smi >/dev/null; then
    # The first CUDA use by root creates /dev/nvidia-uvm, which the sandboxed children (not root) cannot.
    python3 -c "import torch; torch.zeros(1, device='cuda')" && ls -l /dev/nvidia*
fi
python3 benchmarks/gpu.py --out "$out" "$@"
