"""The JSON of `leomesh topology`, `leomesh model` (also `--limit`), `run` and the limit
fields of `emulate` against an independent computation.

Positions, links, hop distances and routes are recomputed here from the Walker formulas
of BACKGROUND.md with plain Python, the wavefront limit by bisection instead of the
closed form, then compared with what the CLI prints."""
import heapq
import json
import os
import math
import subprocess
import sys

LEOMESH = sys.argv[1]
R_EARTH, C, MU = 6378.135, 299792.458, 398600.4418
failures = []


def check(name, got, want, tol=1e-9):
    ok = abs(got - want) <= tol * max(1.0, abs(want))
    print(("ok:   " if ok else "FAIL: ") + f"{name}: got {got}, want {want}")
    if not ok:
        failures.append(name)


def leomesh(*args):
    return json.loads(subprocess.run([LEOMESH, *args], check=True, capture_output=True, text=True).stdout)


def walker(planes, per_plane, phase, alt, inc, t=0.0):
    a = R_EARTH + alt
    n = 2 * math.pi / (2 * math.pi * math.sqrt(a ** 3 / MU))
    pos = []
    for p in range(planes):
        raan = 2 * math.pi * p / planes
        for s in range(per_plane):
            u = 2 * math.pi * s / per_plane + 2 * math.pi * phase * p / (planes * per_plane) + n * t
            i = math.radians(inc)
            pos.append((a * (math.cos(raan) * math.cos(u) - math.sin(raan) * math.sin(u) * math.cos(i)),
                        a * (math.sin(raan) * math.cos(u) + math.cos(raan) * math.sin(u) * math.cos(i)),
                        a * math.sin(u) * math.sin(i)))
    return pos


def plus_grid(planes, per_plane, phase):
    """+Grid of a delta shell: ring in each plane, same slot across planes, and the last
    plane's slot s beside the first plane's slot s + F."""
    intra, inter = [], []
    for p in range(planes):
        for s in range(per_plane):
            v = p * per_plane + s
            intra.append((v, p * per_plane + (s + 1) % per_plane))
            if p + 1 < planes:
                inter.append((v, (p + 1) * per_plane + s))
            else:
                inter.append((v, (s + phase) % per_plane))
    return intra, inter


def stats(values):
    return min(values), sum(values) / len(values), max(values)


# --- topology: Starlink shell 1 at t = 0 ---
topo = leomesh("topology", "--topology", "starlink-s1", "--json")
check("satellites", topo["satellites"], 1584)
check("planes", topo["planes"], 72)
check("per_plane", topo["per_plane"], 22)
check("links_active", topo["links_active"], 3168)
chord = 2 * (R_EARTH + 550) * math.sin(math.pi / 22)
for key in ("min", "mean", "max"):
    check(f"intra_plane_km.{key}", topo["intra_plane_km"][key], chord)
pos = walker(72, 22, 1, 550, 53.0)
intra, inter = plus_grid(72, 22, 1)
dist = lambda e: math.dist(pos[e[0]], pos[e[1]])
for key, want in zip(("min", "mean", "max"), stats([dist(e) for e in inter])):
    check(f"inter_plane_km.{key}", topo["inter_plane_km"][key], want)


# --- model: a snapshot of a small delta shell, every figure recomputed ---
def model_check(planes, per_plane, phase, alt, inc):
    name = f"walker-delta:{planes}x{per_plane},alt={alt},inc={inc},phase={phase}"
    m = leomesh("model", "--topology", name, "--window", "0", "--json")
    pos = walker(planes, per_plane, phase, alt, inc)
    intra, inter = plus_grid(planes, per_plane, phase)
    n = planes * per_plane
    adj = [[] for _ in range(n)]
    for a, b in intra + inter:
        w = math.dist(pos[a], pos[b]) / C
        adj[a].append((b, w))
        adj[b].append((a, w))
    nbr_rtt = sum(sum(2 * w for _, w in adj[v]) / len(adj[v]) for v in range(n)) / n
    glob_rtt = glob_hops = 0.0
    diameter = 0
    for src in range(n):
        # Dijkstra on (hops, latency): the fewest-hop route, fastest among those.
        best = {src: (0, 0.0)}
        heap = [(0, 0.0, src)]
        while heap:
            h, lat, v = heapq.heappop(heap)
            if best[v] < (h, lat):
                continue
            for u, w in adj[v]:
                cand = (h + 1, lat + w)
                if u not in best or cand < best[u]:
                    best[u] = cand
                    heapq.heappush(heap, (h + 1, lat + w, u))
        others = [best[v] for v in range(n) if v != src]
        glob_hops += sum(h for h, _ in others) / (n - 1)
        glob_rtt += sum(2 * lat for _, lat in others) / (n - 1)
        diameter = max(diameter, max(h for h, _ in others))
    check(f"{name} satellites", m["satellites"], n)
    check(f"{name} mean_hops.neighbor", m["mean_hops"]["neighbor"], 1.0)
    check(f"{name} mean_hops.global", m["mean_hops"]["global"], glob_hops / n)
    check(f"{name} diameter_hops", m["diameter_hops"], diameter)
    check(f"{name} attempt_latency_s.neighbor", m["attempt_latency_s"]["neighbor"], nbr_rtt)
    check(f"{name} attempt_latency_s.global", m["attempt_latency_s"]["global"], glob_rtt / n)
    check(f"{name} advantage", m["advantage"], (glob_rtt / n) / nbr_rtt)


model_check(12, 10, 1, 550, 53.0)
model_check(12, 12, 5, 1200, 70.0)  # every link within the 5,000 km range

# --- model: torus closed form, and the fields of the contract ---
m = leomesh("model", "--topology", "torus:8x8", "--links", "uniform:5ms", "--json")
want_hops = 64 / 63 * (16 / 8 + 16 / 8)
check("torus:8x8 mean_hops.global", m["mean_hops"]["global"], want_hops)
check("torus:8x8 attempt_latency_s.neighbor", m["attempt_latency_s"]["neighbor"], 0.010)
check("torus:8x8 attempt_latency_s.global", m["attempt_latency_s"]["global"], 0.010 * want_hops)
check("torus:8x8 diameter", m["diameter_hops"], 8)
m = leomesh("model", "--topology", "starlink-s1", "--json", "--samples", "2")
for field in ("satellites", "mean_hops", "diameter_hops", "attempt_latency_s", "advantage"):
    if field not in m:
        failures.append(f"model JSON lacks {field}")
check("starlink-s1 satellites", m["satellites"], 1584)

# --- model --limit: the wavefront limit against Dijkstra and bisection done here ---
def dijkstra(adj, root):
    best = {root: 0.0}
    heap = [(0.0, root)]
    while heap:
        d, v = heapq.heappop(heap)
        if d > best[v]:
            continue
        for u, w in adj[v]:
            if u not in best or d + w < best[u]:
                best[u] = d + w
                heapq.heappush(heap, (d + w, u))
    return list(best.values())


def finish_time(starts, work, workers):
    """Smallest T with workers * sum max(0, T - start) >= work, by bisection."""
    lo, hi = 0.0, max(starts) + work / workers
    for _ in range(200):
        mid = (lo + hi) / 2
        if workers * sum(max(0.0, mid - s) for s in starts) >= work:
            hi = mid
        else:
            lo = mid
    return hi


def limit_check(args, adj, root, work, workers):
    j = leomesh("model", "--limit", *args, "--inject-at", str(root), "--workers", str(workers), "--json")
    d = dijkstra(adj, root)
    ecc = max(d)
    push, pull = finish_time(d, work, workers), finish_time([2 * x for x in d], work, workers)
    name = " ".join(args) + f" at {root}"
    lim = j["limit"]
    check(f"{name} total_work_s", lim["total_work_s"], work)
    check(f"{name} ecc_s", lim["ecc_s"], ecc)
    check(f"{name} push_s", lim["push_s"], push)
    check(f"{name} pull_s", lim["pull_s"], pull)
    check(f"{name} push_with_termination_s", lim["push_with_termination_s"], push + ecc)
    check(f"{name} pull_with_termination_s", lim["pull_with_termination_s"], pull + ecc)
    check(f"{name} efficiency", lim["efficiency"], work / (len(adj) * workers * (pull + ecc)))
    check(f"{name} satellites", j["satellites"], len(adj))
    check(f"{name} workers_per_satellite", j["workers_per_satellite"], workers)
    check(f"{name} inject_at", j["inject_at"], root)
    for field in ("topology", "workload", "task_cost_s"):
        if field not in j:
            failures.append(f"model --limit JSON lacks {field}")
    return j


UTS_T1_NODES = 4130071


def torus_adjacency(rows, cols, latency):
    adj = [[] for _ in range(rows * cols)]
    for r in range(rows):
        for c in range(cols):
            for dr, dc in ((1, 0), (0, 1), (-1, 0), (0, -1)):
                adj[r * cols + c].append((((r + dr) % rows) * cols + (c + dc) % cols, latency))
    return adj


j = limit_check(["--topology", "torus:4x4", "--links", "uniform:5ms", "--workload", "uts:T1", "--task-cost", "10us"],
                torus_adjacency(4, 4, 0.005), 0, UTS_T1_NODES * 10e-6, 4)
check("limit torus:4x4 reference figure", round(j["limit"]["pull_with_termination_s"], 3), 0.685)
limit_check(["--topology", "torus:8x8", "--links", "uniform:5ms", "--workload", "uts:T1", "--task-cost", "1e-5"],
            torus_adjacency(8, 8, 0.005), 27, UTS_T1_NODES * 10e-6, 2)
# A small delta shell with geometric links: every latency recomputed from the orbits.
pos = walker(12, 10, 1, 550, 53.0)
intra, inter = plus_grid(12, 10, 1)
adj = [[] for _ in range(120)]
for a, b in intra + inter:
    adj[a].append((b, math.dist(pos[a], pos[b]) / C))
    adj[b].append((a, math.dist(pos[a], pos[b]) / C))
limit_check(["--topology", "walker-delta:12x10,alt=550,inc=53,phase=1", "--workload", "fib:30", "--task-cost", "1us"],
            adj, 7, (2 * 1346269 - 1) * 1e-6, 3)

# --- run: one satellite, exact answers and the fields of the contract ---
for spec, answer in (("fib:25", 75025), ("nqueens:9", 352), ("uts:default", 1732)):
    for workers in ("1", "3"):
        r = leomesh("run", "--workload", spec, "--workers", workers, "--json", "-")
        check(f"run {spec} x{workers} result", r["result"], answer)
        check(f"run {spec} x{workers} expected", r["expected"], answer)
        check(f"run {spec} x{workers} verified", r["verified"], True)
        for field in ("workload", "mode", "policy", "topology", "satellites", "workers_per_satellite",
                      "makespan_s", "steals", "per_satellite"):
            if field not in r:
                failures.append(f"run JSON lacks {field}")

# --- emulate live: nine agents share this host's cores, and the JSON says what that allows ---
lv = leomesh("emulate", "--mode", "live", "--topology", "torus:3x3", "--links", "uniform:1ms", "--policy", "neighbor",
             "--workload", "fib:30,cutoff=15", "--workers", "1", "--json", "-")
check("emulate live verified", lv["verified"], True)
cores = os.cpu_count() or 1
if cores < 9:
    check("emulate live host_cores", lv["host_cores"], cores)
    # fib(30) makes 2 fib(31) - 1 calls at the workload's measured 0.39 ns each.
    check("emulate live limit_host_s", lv["limit_host_s"], max(lv["limit_s"], (2 * 1346269 - 1) * 0.39e-9 / cores))
    check("emulate live makespan_over_host_limit", lv["makespan_over_host_limit"], lv["makespan_s"] / lv["limit_host_s"])

# --- emulate: the limit of every run, consistent with its makespan ---
e = leomesh("emulate", "--mode", "sim", "--topology", "torus:4x4", "--links", "uniform:5ms", "--policy", "neighbor",
            "--workload", "uts:T1", "--workers", "4", "--task-cost", "10us", "--json", "-")
for field in ("limit_s", "limit_push_s", "makespan_over_limit", "efficiency_limit"):
    if field not in e:
        failures.append(f"emulate JSON lacks {field}")
if not failures:
    d = dijkstra(torus_adjacency(4, 4, 0.005), 0)
    work = UTS_T1_NODES * 10e-6
    check("emulate limit_s", e["limit_s"], finish_time([2 * x for x in d], work, 4) + max(d))
    check("emulate limit_push_s", e["limit_push_s"], finish_time(d, work, 4) + max(d))
    check("emulate makespan_over_limit", e["makespan_over_limit"], e["makespan_s"] / e["limit_s"])
    check("emulate efficiency_limit", e["efficiency_limit"], work / (16 * 4 * e["limit_s"]))
    check("emulate limit_push_s <= limit_s", e["limit_push_s"] <= e["limit_s"], True)
    check("emulate sim has no host limit", e["limit_host_s"] is None, True)
    # Only the push figure before termination binds every scheduler (mesh/limit.hpp): a run
    # that pushes its work out may beat the pull yardstick, never this.
    check("emulate makespan_s >= push limit without termination", e["makespan_s"] >= finish_time(d, work, 4), True)

print(f"json contract: {len(failures)} failed")
sys.exit(1 if failures else 0)
