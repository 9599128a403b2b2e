#!/usr/bin/env bash
# Installs the Debian packages vcc builds and tests with. Idempotent: packages already
# present are skipped, so a second run takes a second. Non-interactive (CI runs it).
set -euo pipefail

packages=(
  build-essential cmake pkg-config git
  libopenblas-openmp-dev        # OpenMP build: shares the cores with our OpenMP kernels
  libdnnl-dev                   # oneDNN: bfloat16 GEMMs (AVX512-BF16 / AMX where the CPU has them)
  libhdf5-dev                   # datasets and checkpoints
  libyaml-cpp-dev               # configs
  libcli11-dev                  # command lines
  libsentencepiece-dev sentencepiece
  libopenmpi-dev openmpi-bin    # data parallelism on CPUs
  libgtest-dev libgmock-dev googletest
  libbenchmark-dev
  nlohmann-json3-dev            # JSON (metrics, manifests, HF configs)
  libicu-dev                    # Unicode case mapping / classes for answer normalisation
  clang-14 libomp-14-dev libclang-rt-14-dev   # tools/test.sh --sanitize: ASan/UBSan and libFuzzer
  strace                        # tests: SIGKILL injected at each step of a checkpoint write
  time                          # tests: peak memory of a child (GNU time)
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The pthread OpenBLAS fights OpenMP for the cores; make sure the OpenMP one is selected.
if command -v update-alternatives >/dev/null; then
  arch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)
  for alt in "libblas.so.3-$arch" "liblapack.so.3-$arch"; do
    cand=$(update-alternatives --list "$alt" 2>/dev/null | grep openblas-openmp | head -n1 || true)
    [ -n "$cand" ] && $SUDO update-alternatives --set "$alt" "$cand" >/dev/null || true
  done
fi
echo "setup: done"
