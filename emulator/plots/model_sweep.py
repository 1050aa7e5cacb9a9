"""Plots `leomesh model --sweep --json`: how the neighbor-only advantage grows with N.

usage: model_sweep.py SWEEP.json OUT.png"""
import json
import math
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

rows = json.load(open(sys.argv[1]))
tori = [r for r in rows if r["topology"].startswith("torus:")]
shells = [r for r in rows if not r["topology"].startswith("torus:")]

fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
n = [r["satellites"] for r in tori]
left.plot(n, [r["attempt_latency_s"]["global"] * 1e3 for r in tori], "o-", label="global (torus, 5 ms/hop)")
left.plot(n, [r["attempt_latency_s"]["neighbor"] * 1e3 for r in tori], "s-", label="neighbor (torus, 5 ms/hop)")
for r in shells:
    left.plot(r["satellites"], r["attempt_latency_s"]["global"] * 1e3, "k^")
    left.plot(r["satellites"], r["attempt_latency_s"]["neighbor"] * 1e3, "kv")
    left.annotate(r["topology"], (r["satellites"], r["attempt_latency_s"]["global"] * 1e3),
                  textcoords="offset points", xytext=(4, 4), fontsize=7)
left.set_xscale("log")
left.set_xlabel("satellites N")
left.set_ylabel("per-attempt steal latency, RTT (ms)")
left.set_title("Steal round trip (presets: geometric ISLs)")
left.legend(fontsize=8)

right.plot(n, [r["advantage"] for r in tori], "o-", label="torus: global / neighbor")
right.plot(n, [math.sqrt(x) / 2 for x in n], "--", color="grey", label="sqrt(N)/2")
for r in shells:
    right.plot(r["satellites"], r["advantage"], "k^")
    right.annotate(r["topology"], (r["satellites"], r["advantage"]), textcoords="offset points",
                   xytext=(4, -10), fontsize=7)
right.set_xscale("log")
right.set_xlabel("satellites N")
right.set_ylabel("advantage (global / neighbor)")
right.set_title("Neighbor-only advantage grows like sqrt(N)")
right.legend(fontsize=8)
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=120)
