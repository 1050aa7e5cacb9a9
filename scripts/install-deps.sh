#!/usr/bin/env bash
# Installs the Debian packages leomesh builds against. Idempotent: silent and quick when
# everything is already present; uses sudo when not run as root.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libeigen3-dev                       # mesh/: geometry
  libprotobuf-dev protobuf-compiler   # wire codec, firmware config
  nanopb libnanopb-dev                # the wire codec for small targets
  libzmq3-dev cppzmq-dev              # agent transport
  libsodium-dev                       # origin signatures (Ed25519)
  libasio-dev                         # agent event loop (standalone Asio)
  libns3-dev ns3                      # packet-level emulator; the CMake config needs both
  libgsl-dev libsqlite3-dev libxml2-dev  # link-time needs of Debian's ns-3
  iproute2 util-linux                 # container mode: ip in each namespace; tests: setpriv
  slurm-wlm munge                     # test: the README's batch script through sbatch
  libcpp-httplib-dev                  # the dashboard's web server
  xplanet-images                      # the dashboard's map of the Earth (NASA Visible Earth)
  chromium curl                       # test: the dashboard in a real (headless) browser
  catch2                              # tests (v2)
  libssl-dev                          # SHA-1 for UTS
  libcli11-dev                        # command line
  nlohmann-json3-dev                  # JSON reports
  libtbb-dev                          # benchmark baseline only
  python3 python3-matplotlib          # plots
  clang-14 libfuzzer-14-dev libclang-rt-14-dev  # make fuzz: libFuzzer, ASan and UBSan runtimes
  g++-aarch64-linux-gnu qemu-user     # the embedded profile cross-built for aarch64, run under qemu
  libssl-dev:arm64 libnanopb-dev:arm64 libstdc++6:arm64  # its target libraries (multiarch)
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 2; }
  sudo="sudo"
fi
# The :arm64 packages need the architecture known to dpkg (apt-get update then lists them).
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  $sudo dpkg --add-architecture arm64
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
