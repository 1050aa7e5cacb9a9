#!/usr/bin/env bash
# The main job of `make demo`: the analytical model, then a neighbor-vs-global comparison on
# emulated constellations (live agents and the ns-3 emulator), with a report and plots.
set -euo pipefail
build="${1:-build}"
out="out/demo"
mkdir -p "$out"
echo "== 1. leomesh model: Starlink shell 1 (1,584 satellites, geometric ISLs) =="
"$build/bin/leomesh" model --topology starlink-s1
"$build/bin/leomesh" model --sweep --json > "$out/model_sweep.json"
# Debian's interpreter: it is the one that has python3-matplotlib.
/usr/bin/python3 emulator/plots/model_sweep.py "$out/model_sweep.json" "$out/model_sweep.png"
echo
echo "== 2. neighbor vs global: 9 live agents (torus:3x3, 2 ms ISLs, UTS T1L), then all of Starlink shell 1 in ns-3 (UTS T1 at 1 ms per node) =="
# A fresh comparison each time (the experiment would otherwise resume from earlier results).
rm -f "$out/raw.jsonl"
"$build/bin/leomesh" experiment demo --out "$out"
echo
sed -n '/^## Findings/,/^## Plots/p' "$out/report.md" | sed '$d'
echo "plots: $out/makespan.png, $out/latency_vs_model.png, $out/model_sweep.png"
