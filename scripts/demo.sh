#!/usr/bin/env bash
# The main job of `make demo`: the analytical neighbor-vs-global model across constellation
# sizes, as a table and a plot.
set -euo pipefail
build="${1:-build}"
out="out/demo"
mkdir -p "$out"
echo "== leomesh model: Starlink shell 1 (1,584 satellites, geometric ISLs) =="
"$build/bin/leomesh" model --topology starlink-s1
echo
echo "== leomesh model --sweep: per-attempt steal latency, neighbor-only vs global =="
"$build/bin/leomesh" model --sweep
"$build/bin/leomesh" model --sweep --json > "$out/model_sweep.json"
# Debian's interpreter: it is the one that has python3-matplotlib.
/usr/bin/python3 emulator/plots/model_sweep.py "$out/model_sweep.json" "$out/model_sweep.png"
echo
echo "wrote $out/model_sweep.json and $out/model_sweep.png"
