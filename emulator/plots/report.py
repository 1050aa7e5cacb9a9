"""Summary CSV, plots (PNG and SVG) and a Markdown report from an experiment's raw results.

usage: report.py DIR NAME DESCRIPTION   (reads DIR/raw.jsonl, writes DIR/summary.csv,
DIR/*.png, DIR/*.svg and DIR/report.md). Every number in the report comes from raw.jsonl."""
import csv
import json
import math
import os
import statistics
import sys
from collections import OrderedDict, defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

out_dir, name, description = sys.argv[1], sys.argv[2], sys.argv[3]
rows = [json.loads(line) for line in open(os.path.join(out_dir, "raw.jsonl")) if line.strip()]
POLICY_ORDER = ["neighbor", "lifeline", "khop:2", "escalate:4", "global"]


def ms(seconds):
    return None if seconds is None else seconds * 1e3


def policy_rank(p):
    return POLICY_ORDER.index(p) if p in POLICY_ORDER else len(POLICY_ORDER)


def mean(xs):
    xs = [x for x in xs if x is not None]
    return statistics.fmean(xs) if xs else None


def std(xs):
    xs = [x for x in xs if x is not None]
    return statistics.stdev(xs) if len(xs) > 1 else 0.0


# --- group repetitions into points ---
points = OrderedDict()
for r in rows:
    k = (r["mode"], r["topology"], r["links"], r["workload"], r["policy"], r["workers_per_satellite"], r.get("task_cost", ""),
         r.get("placement", "one satellite"))
    points.setdefault(k, []).append(r)

summary = []
for (mode, topo, links, workload, policy, workers, cost, placement), rs in points.items():
    ok = [r for r in rs if r["verified"]]
    mk = [r["makespan_s"] for r in ok]
    capacity = [r["satellites"] * r["workers_per_satellite"] * r["makespan_s"] for r in ok]
    eff = [r["work_s"] / c if c > 0 else None for r, c in zip(ok, capacity)] if mode == "sim" else []
    model = rs[0].get("model") or {}
    summary.append(OrderedDict([
        ("mode", mode), ("topology", topo), ("links", links), ("workload", workload), ("policy", policy),
        ("workers", workers), ("task_cost", cost), ("placement", placement), ("satellites", rs[0]["satellites"]),
        ("runs", len(rs)),
        ("verified", len(ok)), ("makespan_mean_s", mean(mk)), ("makespan_std_s", std(mk)),
        ("efficiency", mean(eff) if eff else None),
        # The wavefront limit (pull, with termination) of the point, and how far above it the
        # runs finished; rows written before the limit existed have neither.
        ("limit_s", mean([r.get("limit_s") for r in rs])),
        ("makespan_over_limit", mean([r.get("makespan_over_limit") for r in ok])),
        # Live runs only: against this host's cores, which the satellites' workers share.
        ("makespan_over_host_limit", mean([r.get("makespan_over_host_limit") for r in ok])),
        ("steal_attempts", mean([r["steals"]["attempts"] for r in ok])),
        ("steal_successes", mean([r["steals"]["successes"] for r in ok])),
        ("attempt_latency_s", mean([r["steals"]["mean_latency_s"] for r in ok])),
        ("attempt_hops", mean([r["steals"]["mean_hops"] for r in ok])),
        ("model_latency_s", model.get("attempt_latency_s")), ("model_hops", model.get("mean_hops")),
    ]))

with open(os.path.join(out_dir, "summary.csv"), "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=list(summary[0].keys()))
    w.writeheader()
    for s in summary:
        w.writerow(s)


def fnum(x, unit="", digits=3):
    if x is None:
        return "n/a"
    return f"{x:.{digits}f}{unit}"


def save(fig, stem):
    if not fig.get_constrained_layout():
        fig.tight_layout()
    for ext in ("png", "svg"):
        fig.savefig(os.path.join(out_dir, f"{stem}.{ext}"), dpi=120)
    plt.close(fig)
    return f"{stem}.png"


figures, findings = [], []
by_case = defaultdict(dict)  # (mode, topology, links, workload, workers, cost) -> policy -> summary row
diffs = defaultdict(list)  # (mode, workload, placement) -> [(N, neighbor vs global in %)]
against_best = defaultdict(list)  # other policy -> % makespan change against the better of neighbor and global
for s in summary:
    by_case[(s["mode"], s["topology"], s["links"], s["workload"], s["workers"], s["task_cost"], s["placement"])][s["policy"]] = s

# Neighbor vs global per case: the paper's comparison.
for case, pol in by_case.items():
    n, g = pol.get("neighbor"), pol.get("global")
    if n and g and n["makespan_mean_s"] and g["makespan_mean_s"]:
        diff = (n["makespan_mean_s"] / g["makespan_mean_s"] - 1) * 100
        diffs[(case[0], case[3], case[6])].append((n["satellites"], diff))
        findings.append(
            f"{case[0]} {case[1]}, {case[3]}, work at {case[6]}: neighbor {fnum(n['makespan_mean_s'], ' s')} "
            f"(sd {fnum(n['makespan_std_s'], ' s')}) vs global {fnum(g['makespan_mean_s'], ' s')} "
            f"(sd {fnum(g['makespan_std_s'], ' s')}): neighbor is {abs(diff):.1f}% {'slower' if diff > 0 else 'faster'}; "
            f"per-attempt steal latency {fnum((n['attempt_latency_s'] or 0) * 1e3, ' ms')} vs "
            f"{fnum((g['attempt_latency_s'] or 0) * 1e3, ' ms')} over {fnum(n['attempt_hops'], '', 2)} vs "
            f"{fnum(g['attempt_hops'], '', 2)} hops.")
    for other in sorted(set(pol) - {"neighbor", "global"}, key=policy_rank):
        o = pol[other]
        if n and g and n["makespan_mean_s"] and g["makespan_mean_s"] and o["makespan_mean_s"]:
            best = min(n["makespan_mean_s"], g["makespan_mean_s"])
            change = (o["makespan_mean_s"] / best - 1) * 100
            against_best[other].append(change)
            findings.append(
                f"{case[0]} {case[1]}, {case[3]}, work at {case[6]}: {other} {fnum(o['makespan_mean_s'], ' s')} against the better of "
                f"neighbor and global {fnum(best, ' s')} ({change:+.1f}%).")

# Each other policy over all cases: the policies goal is never worse than the better of
# neighbor and global, and clearly better somewhere.
for other, changes in sorted(against_best.items(), key=lambda kv: policy_rank(kv[0])):
    findings.insert(0,
        f"**{other}** against the better of neighbor and global over {len(changes)} cases: "
        f"from {min(changes):+.1f}% to {max(changes):+.1f}% makespan (mean {sum(changes) / len(changes):+.1f}%; "
        f"negative is faster); worse in {sum(1 for c in changes if c > 0)} of {len(changes)}.")

# Plot 1: makespan per case and policy (grouped bars with standard deviations).
cases = list(by_case.keys())
if cases:
    policies = sorted({p for c in cases for p in by_case[c]}, key=policy_rank)
    fig, ax = plt.subplots(figsize=(max(6, 1.2 * len(cases) + 2), 4.2))
    width = 0.8 / len(policies)
    for i, p in enumerate(policies):
        xs, ys, es = [], [], []
        for j, c in enumerate(cases):
            s = by_case[c].get(p)
            if s and s["makespan_mean_s"] is not None:
                xs.append(j + i * width)
                ys.append(s["makespan_mean_s"])
                es.append(s["makespan_std_s"])
        ax.bar(xs, ys, width, yerr=es, label=p, capsize=2)
    ax.set_xticks([j + 0.4 - width / 2 for j in range(len(cases))])
    ax.set_xticklabels([f"{c[1]}\n{c[3]}" + ("" if c[6] == "one satellite" else f"\n{c[6]}") for c in cases], fontsize=7)
    ax.set_ylabel("makespan (s)")
    ax.set_title(f"{name}: makespan by policy (mean and sd over repetitions)")
    ax.legend(fontsize=8)
    figures.append(("Makespan by policy", save(fig, "makespan")))

# Plot 1b: neighbor against global per size, one line per workload (the paper's comparison).
if any(len(v) > 1 for v in diffs.values()):
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for (mode, workload, placement), pts in sorted(diffs.items()):
        pts.sort()
        label = f"{mode} {workload}" + ("" if placement == "one satellite" else f" ({placement})")
        ax.plot([p[0] for p in pts], [p[1] for p in pts], "o-", label=label)
    ax.axhline(0, color="grey", linewidth=0.8)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("satellites N")
    ax.set_ylabel("neighbor makespan vs global (%)")
    ax.set_title("Neighbor against global (negative: neighbor faster)")
    ax.legend(fontsize=7)
    figures.append(("Neighbor against global by size", save(fig, "neighbor_vs_global")))

# Plot 2: per-attempt steal latency, measured vs model.
lat = [s for s in summary if s["attempt_latency_s"] and s["model_latency_s"]]
if lat:
    fig, ax = plt.subplots(figsize=(6, 4.5))
    for p in sorted({s["policy"] for s in lat}, key=policy_rank):
        pts = [s for s in lat if s["policy"] == p]
        ax.scatter([s["model_latency_s"] * 1e3 for s in pts], [s["attempt_latency_s"] * 1e3 for s in pts], label=p)
    lim = max(max(s["model_latency_s"], s["attempt_latency_s"]) for s in lat) * 1e3 * 1.1
    ax.plot([0, lim], [0, lim], "--", color="grey", label="measured = model")
    ax.set_xlabel("model: per-attempt latency (ms)")
    ax.set_ylabel("measured: per-attempt latency (ms)")
    ax.set_title("Steal round trip: emulation vs analytical model")
    ax.legend(fontsize=8)
    figures.append(("Per-attempt steal latency, measured vs model", save(fig, "latency_vs_model")))

# Plot 3 (sweeps over size): makespan and efficiency against N.
sizes = defaultdict(list)
for s in summary:
    if s["mode"] == "sim":
        sizes[s["policy"]].append(s)
if any(len({s["satellites"] for s in v}) > 2 for v in sizes.values()):
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4.2))
    for p, v in sorted(sizes.items(), key=lambda kv: policy_rank(kv[0])):
        v = sorted(v, key=lambda s: s["satellites"])
        a1.plot([s["satellites"] for s in v], [s["makespan_mean_s"] for s in v], "o-", label=p)
        a2.plot([s["satellites"] for s in v], [s["efficiency"] for s in v], "o-", label=p)
    for a, label in ((a1, "makespan (s)"), (a2, "parallel efficiency")):
        a.set_xscale("log")
        a.set_xlabel("satellites N")
        a.set_ylabel(label)
        a.legend(fontsize=8)
    a1.set_title("Makespan against constellation size")
    a2.set_title("Work / (N x workers x makespan)")
    figures.append(("Makespan and efficiency against N", save(fig, "scale")))

# Plot 4: makespan against the wavefront limit, by size: how far each policy is from the
# fastest any scheduler could be. Spread placements are drawn dashed: their limit assumes
# all work at one satellite, so it is a reference there, not a bound.
over_limit = defaultdict(list)  # (policy, mode, workload, placement) -> summary rows
for s in summary:
    if s["makespan_over_limit"] is not None:
        over_limit[(s["policy"], s["mode"], s["workload"], s["placement"])].append(s)
if over_limit:
    # Colour = policy, marker = workload, dashed = work spread over a region.
    several = len({k[1:] for k in over_limit}) > 1
    policies_run = sorted({k[0] for k in over_limit}, key=policy_rank)
    workloads_run = sorted({k[1:3] for k in over_limit})
    fig, ax = plt.subplots(figsize=(9 if several else 7, 4.2))
    for (policy, mode, workload, placement), v in sorted(over_limit.items(), key=lambda kv: (policy_rank(kv[0][0]), kv[0])):
        v = sorted(v, key=lambda s: s["satellites"])
        label = policy + (f" ({mode} {workload}, {placement})" if several else "")
        ax.plot([s["satellites"] for s in v], [s["makespan_over_limit"] for s in v],
                color=f"C{policies_run.index(policy) % 10}", marker="os^vDP*X"[workloads_run.index((mode, workload)) % 8],
                linestyle="-" if placement == "one satellite" else "--", label=label)
    ax.axhline(1, color="grey", linewidth=0.8, label="the limit")
    ax.set_xscale("log")
    sizes_run = sorted({s["satellites"] for v in over_limit.values() for s in v})
    ax.set_xticks(sizes_run)
    ax.set_xticklabels([str(n) for n in sizes_run])
    ax.minorticks_off()
    if len(sizes_run) == 1:
        ax.set_xlim(sizes_run[0] / 2, sizes_run[0] * 2)  # centre a lone size
    ax.set_ylim(bottom=0)
    ax.set_xlabel("satellites N")
    ax.set_ylabel("makespan / limit")
    ax.set_title("Makespan against the wavefront limit (pull, with termination)")
    if several:
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    else:
        ax.legend(fontsize=8)
    figures.append(("Makespan against the limit by size", save(fig, "limit")))
    # One finding per policy: the range of makespan / limit over every point it ran.
    for policy in sorted({k[0] for k in over_limit}, key=policy_rank):
        pts = [s for k, v in over_limit.items() if k[0] == policy for s in v]
        best = min(pts, key=lambda s: s["makespan_over_limit"])
        worst = max(pts, key=lambda s: s["makespan_over_limit"])
        spread = any(s["placement"] != "one satellite" for s in pts)
        where = lambda s: f"{s['makespan_over_limit']:.2f} ({s['topology']}, {s['workload']})"
        span = (f"makespan / limit {where(best)}" if len(pts) == 1 else
                f"makespan / limit from {where(best)} to {where(worst)}, mean "
                f"{statistics.fmean(s['makespan_over_limit'] for s in pts):.2f} over {len(pts)} points")
        findings.append(
            f"**{policy}** against the wavefront limit (the fastest any scheduler could finish work injected at one "
            f"satellite: pull, with termination): {span}"
            + ("; with work spread over a region the limit is a reference, not a bound." if spread else "."))

# Plot 5: the spread of work over time, one panel per case and policy (the first repetition
# of each ns-3 run): satellites by time, coloured by the busy fraction of their workers. Work
# injected at one satellite shows as a wavefront; idle rows are satellites it never reached.
heat = [r for r in rows if r.get("heat")]
heat.sort(key=lambda r: (r["topology"], r["workload"], r.get("placement", ""), policy_rank(r["policy"])))
heat = heat[:8]
if heat:
    cols = min(len(heat), 2)
    lines = (len(heat) + cols - 1) // cols
    fig, axes = plt.subplots(lines, cols, figsize=(6 * cols, 3.2 * lines), squeeze=False, constrained_layout=True)
    for ax, r in zip(axes.flat, heat):
        h = r["heat"]
        im = ax.imshow(h["rows"], aspect="auto", interpolation="nearest", cmap="viridis", vmin=0, vmax=1,
                       extent=(0, h["end_s"], len(h["rows"]), 0))
        label = r.get("placement", "one satellite")
        ax.set_title(f"{r['topology']}, {r['workload']}, {r['policy']}" +
                     ("" if label == "one satellite" else f"\n{label}"), fontsize=8)
        ax.set_xlabel("time (s)", fontsize=8)
        ax.set_ylabel("satellite", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(heat):]:
        ax.axis("off")
    fig.colorbar(im, ax=axes, shrink=0.8, label="workers busy")
    figures.append(("The spread of work over time (satellites by time)", save(fig, "spread")))
    for r in heat:
        findings.append(
            f"{r['topology']}, {r['workload']}, {r['policy']}: tasks ran on {r['heat']['satellites_busy']} of "
            f"{len(r['heat']['rows'])} satellites (the spread picture).")

# Live runs share this host's cores: their makespan against what those cores allow.
for policy in sorted({s["policy"] for s in summary if s["makespan_over_host_limit"] is not None}, key=policy_rank):
    pts = [s for s in summary if s["policy"] == policy and s["makespan_over_host_limit"] is not None]
    findings.append(
        f"**{policy}**, live agents against the limit of this host's cores (the satellites' workers share them): "
        + ", ".join(f"{s['makespan_over_host_limit']:.2f} ({s['topology']}, {s['workload']})" for s in pts) + ".")

# Model agreement findings.
for s in lat:
    ratio = s["attempt_latency_s"] / s["model_latency_s"]
    if abs(ratio - 1) > 0.05:
        findings.append(
            f"{s['mode']} {s['topology']} {s['policy']}: measured per-attempt latency "
            f"{s['attempt_latency_s'] * 1e3:.2f} ms is {ratio:.2f}x the model's {s['model_latency_s'] * 1e3:.2f} ms "
            f"(queueing, busy victims, link churn or non-uniform thieves).")

# Crash recovery: per fault scenario, how many runs were exact, how much loot ran again and
# how long after its receiver's crash, and the makespan against the same runs without faults
# and without recovery (weight throwing) -- the overhead and the cost of the crashes.
fault_rows = []
for (mode, topo, links, workload, policy, workers, cost, placement), rs in points.items():
    if not any((r.get("faults") or {}).get("recovery") for r in rs) and "weight throwing" not in placement:
        continue
    base = points.get((mode, topo, links, workload, policy, workers, cost, "no faults, weight throwing"), [])
    base_mk = mean([r["makespan_s"] for r in base if r["verified"]])
    ok = [r for r in rs if r["verified"]]
    rec = [r["faults"].get("recovery") or {} for r in rs if r.get("faults")]
    after = [x.get("after_crash_s") for x in rec if x.get("after_crash_s")]
    # Median and worst: a crash can cost a large part of the run, and a long run meets more
    # crashes, so the mean says little of a typical run.
    mk = statistics.median([r["makespan_s"] for r in ok]) if ok else None
    mk_max = max(r["makespan_s"] for r in ok) if ok else None
    fault_rows.append(OrderedDict([
        ("topology", topo), ("workload", workload), ("scenario", placement), ("runs", len(rs)), ("exact", len(ok)),
        ("crashes", mean([len(r.get("faults", {}).get("crashes", [])) for r in rs])),
        ("loots_restored", mean([x.get("loots_restored") for x in rec])),
        ("after_crash_p50_s", statistics.median([a["p50"] for a in after]) if after else None),
        ("after_crash_max_s", max(a["max"] for a in after) if after else None),
        ("makespan_s", mk), ("makespan_max_s", mk_max),
        ("over_weight_throwing", mk / base_mk if mk and base_mk else None),
        ("worst_over_weight_throwing", mk_max / base_mk if mk_max and base_mk else None)]))
if fault_rows:
    exact = sum(r["exact"] for r in fault_rows)
    total = sum(r["runs"] for r in fault_rows)
    findings.append(f"Crash recovery: {exact} of {total} runs exact, "
                    + "; ".join(f"{r['topology']} {r['scenario']}: median makespan {fnum(r['over_weight_throwing'], '', 3)}x "
                                f"weight throwing without faults (worst {fnum(r['worst_over_weight_throwing'], '', 2)}x)"
                                for r in fault_rows if r["over_weight_throwing"])
                    + ".")

with open(os.path.join(out_dir, "report.md"), "w") as f:
    f.write(f"# leomesh experiment: {name}\n\n{description}.\n\n")
    f.write(f"{len(rows)} runs, {sum(1 for r in rows if r['verified'])} verified (exact result). "
            f"Raw results: `raw.jsonl` (one JSON object per run); summary: `summary.csv`.\n\n")
    f.write("## Findings\n\n")
    for line in findings or ["No neighbor/global pair to compare yet."]:
        f.write(f"- {line}\n")
    f.write("\n## Summary\n\n| mode | topology | workload | work at | policy | N | runs | makespan s (sd) | limit s | "
            "makespan/limit | makespan/host limit | efficiency | steals ok/attempts | latency ms (model) | hops (model) |\n"
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
    for s in summary:
        f.write(f"| {s['mode']} | {s['topology']} | {s['workload']} | {s['placement']} | {s['policy']} | {s['satellites']} | "
                f"{s['verified']}/{s['runs']} | {fnum(s['makespan_mean_s'])} ({fnum(s['makespan_std_s'])}) | "
                f"{fnum(s['limit_s'])} | {fnum(s['makespan_over_limit'], '', 2)} | {fnum(s['makespan_over_host_limit'], '', 2)} | {fnum(s['efficiency'])} | {fnum(s['steal_successes'], '', 0)}/{fnum(s['steal_attempts'], '', 0)} | "
                f"{fnum(ms(s['attempt_latency_s']), '', 2)} ({fnum(ms(s['model_latency_s']), '', 2)}) | "
                f"{fnum(s['attempt_hops'], '', 2)} ({fnum(s['model_hops'], '', 2)}) |\n")
    if fault_rows:
        f.write("\n## Crash recovery\n\n| topology | workload | scenario | exact/runs | crashes per run | loot run again "
                "per run | after its crash: p50 s, max s | makespan s: median, max | x weight throwing, no faults: median, "
                "max |\n|---|---|---|---|---|---|---|---|---|\n")
        for r in fault_rows:
            f.write(f"| {r['topology']} | {r['workload']} | {r['scenario']} | {r['exact']}/{r['runs']} | "
                    f"{fnum(r['crashes'], '', 1)} | {fnum(r['loots_restored'], '', 1)} | "
                    f"{fnum(r['after_crash_p50_s'])}, {fnum(r['after_crash_max_s'])} | "
                    f"{fnum(r['makespan_s'])}, {fnum(r['makespan_max_s'])} | "
                    f"{fnum(r['over_weight_throwing'], '', 3)}, {fnum(r['worst_over_weight_throwing'], '', 2)} |\n")
    f.write("\n## Plots\n\n")
    for title, png in figures:
        f.write(f"### {title}\n\n![{title}]({png})\n\n")
print(f"wrote {out_dir}/summary.csv, {len(figures)} plots and {out_dir}/report.md")
