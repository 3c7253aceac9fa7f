#!/usr/bin/env bash
# Fill a drop folder for benchmarks/gpu.sh: CIFAR-10 (numpy copy) as tar parts of at most 50 MiB, the
# MNIST archives, and Debian's bubblewrap package, for a GPU machine that can only be sent files in
# pieces and has no network.   benchmarks/gpu-pack.sh DATA_ROOT DROP
set -euo pipefail
data=${1:?usage: benchmarks/gpu-pack.sh DATA_ROOT DROP}
drop=${2:?usage: benchmarks/gpu-pack.sh DATA_ROOT DROP}
mkdir -p "$drop"
tar -C "$data" -c cifar10 | split -b 50M -d - "$drop/cifar10.tar.part-"
tar -C "$data" -cf "$drop/mnist.tar" MNIST/raw/train-images-idx3-ubyte.gz MNIST/raw/train-labels-idx1-ubyte.gz \
    MNIST/raw/t10k-images-idx3-ubyte.gz MNIST/raw/t10k-labels-idx1-ubyte.gz
(cd "$drop" && apt-get download bubblewrap >/dev/null)
ls -l "$drop"
