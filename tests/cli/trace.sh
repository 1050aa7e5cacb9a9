#!/usr/bin/env bash
# emulate --trace: the trace parses as Chrome trace-event JSON and agrees with the run's own
# JSON: one process per satellite, a steal slice for every successful steal, the empty and
# timed-out attempts counted in the idle slices, each satellite's busy worker-seconds its
# utilisation times workers times makespan, every flow arrow with both ends, every event
# within the run. Then the size of a whole Starlink shell 1 run's trace is bounded.
source "$(dirname "$0")/common.sh"
trace=$(mktemp -p /tmp)

check() {  # $1: label; the trace in $trace, the run's JSON in $json
  python3 - "$trace" "$json" <<'EOF' && ok "$1: trace agrees with the run" || bad "$1: trace and run disagree"
import json, sys
from collections import Counter
t, r = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
ev = t["traceEvents"]
n, workers, makespan = r["satellites"], r["workers_per_satellite"], r["makespan_s"]
names = [e for e in ev if e["ph"] == "M" and e["name"] == "process_name"]
assert len(names) == n + 1, len(names)
assert t["otherData"]["satellites"] == n
steals = [e for e in ev if e["ph"] == "X" and e.get("cat") == "steal"]
assert len(steals) == r["steals"]["successes"], (len(steals), r["steals"])
failed = sum(e["args"]["failed_steals"] for e in ev if e["name"] == "idle")
per_sat = {s["satellite"]: s for s in r["per_satellite"]}
# Attempts still open when the last idle slice began are counted in none.
assert failed <= r["steals"]["attempts"] - r["steals"]["successes"], failed
for sat, s in per_sat.items():
    worker_s = sum(e["args"]["worker_s"] for e in ev if e["name"] == "busy" and e["pid"] == sat + 1)
    assert abs(worker_s / (workers * makespan) - s["utilisation"]) < 1e-6, (sat, worker_s, s["utilisation"])
    stolen = sum(e["args"]["tasks"] for e in steals if e["pid"] == sat + 1)
    assert stolen <= s["tasks_received"], (sat, stolen, s["tasks_received"])
flows = Counter((e["id"], e["ph"]) for e in ev if e["ph"] in "sf")
ids = {i for i, _ in flows}
assert all(flows[(i, "s")] == 1 and flows[(i, "f")] == 1 for i in ids), "unpaired flow"
end_us = makespan * 1e6 + 1
assert all(0 <= e["ts"] <= end_us for e in ev if "ts" in e), "event outside the run"
assert any(e["name"] == "termination detection" for e in ev)
assert sum(1 for e in ev if e["name"] == "queue") > 0
EOF
}

"$leomesh" emulate --mode sim --topology torus:4x4 --links uniform:1ms --policy global --workload uts:T1 \
  --task-cost 20us --workers 2 --trace "$trace" --json "$json" >/dev/null 2>"$err" &&
  ok "torus:4x4 global with --trace" || bad "torus:4x4: $(cat "$err")"
check "torus:4x4 global"
python3 - "$trace" "$json" <<'EOF' && ok "torus: weight travels home, then the root sends the end to its tree children" ||
import json, sys
t, r = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
term = [e for e in t["traceEvents"] if e.get("cat") == "termination" and e["ph"] == "i"]
ends = [e for e in term if e["name"].startswith("end to ")]
assert sorted(int(e["name"].split()[-1]) for e in ends) == [1, 3, 4, 12], ends  # root 0's ISL neighbours
assert all(e["pid"] == 1 and abs(e["ts"] - r["makespan_s"] * 1e6) < 1 for e in ends), ends
home = [e for e in term if e["name"].startswith("weight home to ")]
assert home and all(e["ts"] <= ends[0]["ts"] for e in home), len(home)
EOF
  bad "torus: termination messages missing from the trace"

# A moving shell with crashes: link changes and faults are in the trace too.
"$leomesh" emulate --mode sim --topology walker-delta:6x6,alt=1200,inc=53,range=8000 --policy neighbor \
  --workload uts:T1 --task-cost 20us --heartbeat 0.02 --suspect 0.1 --fail-sat 7@0.3-0.35 --fail-sat 20@0.5 \
  --update-interval 0.05 --trace "$trace" --json "$json" >/dev/null 2>"$err" &&
  ok "walker 6x6 with crashes and --trace" || bad "walker: $(cat "$err")"
check "walker 6x6 with crashes"
python3 - "$trace" <<'EOF' && ok "walker: crashes, the restart and ISL changes are in the trace" || bad "walker: faults missing"
import json, sys
ev = json.load(open(sys.argv[1]))["traceEvents"]
assert sum(e["name"] == "crash" for e in ev) == 2 and sum(e["name"] == "restart" for e in ev) == 1
assert any(e.get("cat") == "link" and e["args"]["up"] is False for e in ev)
EOF
python3 - "$trace" "$json" <<'EOF' && ok "walker: every account's results travel home in the trace" ||
import json, sys
t, r = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
home = [e for e in t["traceEvents"] if e.get("cat") == "termination" and e["name"].startswith("results home to ")]
returns = sum(s["recovery"]["account_returns"] for s in r["per_satellite"])
# Counted when sent; a few never leave (to a giver taken for dead, or as the run ends), and
# resends and earlier lives' add some: the trace has about as many.
assert returns > 0 and 0.9 * returns <= len(home) <= 1.1 * returns, (len(home), returns)
EOF
  bad "walker: account returns missing from the trace"

# Live mode: the agents sample their workers every 20 ms and report each steal, push and
# message of the end; the trace is in wall time. Each satellite's busy slices hold exactly
# the tasks its agent ran, there is a steal slice for every successful steal, and busy
# worker-seconds never exceed the workers' time.
"$leomesh" emulate --mode live --topology torus:3x3 --workload uts:T1 --workers 2 --trace "$trace" \
  --json "$json" >/dev/null 2>"$err" && ok "live torus:3x3 with --trace" || bad "live: $(cat "$err")"
python3 - "$trace" "$json" <<'EOF2' && ok "live: trace agrees with the run" || bad "live: trace and run disagree"
import json, sys
from collections import Counter
t, r = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
ev = t["traceEvents"]
n, workers = r["satellites"], r["workers_per_satellite"]
assert r["finished"] and r["verified"], r.get("failure")
assert sum(1 for e in ev if e["ph"] == "M" and e["name"] == "process_name") == n + 1
steals = [e for e in ev if e["ph"] == "X" and e.get("cat") == "steal"]
assert len(steals) == r["steals"]["successes"], (len(steals), r["steals"])
end_us = t["otherData"]["end_s"] * 1e6 + 1
for s in r["per_satellite"]:
    busy = [e for e in ev if e["name"] == "busy" and e["pid"] == s["satellite"] + 1]
    assert sum(e["args"]["tasks"] for e in busy) == s["tasks_executed"], (s["satellite"], s["tasks_executed"])
    assert sum(e["args"]["worker_s"] for e in busy) <= workers * t["otherData"]["end_s"] + 1e-3, s["satellite"]
    assert all(e["args"]["worker_s"] <= workers * e["dur"] * 1e-6 + 1e-3 for e in busy), s["satellite"]
flows = Counter((e["id"], e["ph"]) for e in ev if e["ph"] in "sf")
assert all(flows[(i, "s")] == 1 and flows[(i, "f")] == 1 for i, _ in flows), "unpaired flow"
assert all(0 <= e["ts"] <= end_us for e in ev if "ts" in e), "event outside the run"
term = [e for e in ev if e["name"] == "termination detection"]
# Within the trace (run time, from before the root's agent started: not its makespan).
assert len(term) == 1 and term[0]["ts"] + term[0]["dur"] <= end_us, (term, end_us)
assert sorted(int(e["name"].split()[-1]) for e in ev if e["name"].startswith("end to ") and e["pid"] == 1) == [1, 2, 3, 6]
EOF2

# A moving shell live, its clock 2,000 times faster: ISLs that go down and up in the agents
# are in the trace too, from the same geometry on the launcher's clock.
"$leomesh" emulate --mode live --topology walker-delta:6x6,alt=1200,inc=53,range=5500 --workload uts:T1 \
  --time-scale 2000 --trace "$trace" --json "$json" >/dev/null 2>"$err" && ok "live walker 6x6 with --trace" ||
  bad "live walker: $(cat "$err")"
python3 - "$trace" <<'EOF2' && ok "live walker: ISL changes are in the trace" || bad "live walker: no ISL changes"
import json, sys
ev = json.load(open(sys.argv[1]))["traceEvents"]
links = [e for e in ev if e.get("cat") == "link"]
assert links and all(e["name"] == f"ISL {e['args']['a']}-{e['args']['b']} {'up' if e['args']['up'] else 'down'}" for e in links)
EOF2

# Whole Starlink shell 1: the trace stays small enough to open (intervals are aggregated).
"$leomesh" emulate --mode sim --topology starlink-s1 --policy neighbor --workload uts:T1 --trace "$trace" \
  --json "$json" >/dev/null 2>"$err" || bad "starlink: $(cat "$err")"
size=$(stat -c %s "$trace")
[ "$size" -le $((64 * 1024 * 1024)) ] && ok "starlink-s1 trace: $((size / 1024)) KiB (bound 64 MiB)" ||
  bad "starlink-s1 trace: $size bytes"
check "starlink-s1 neighbor"

rm -f "$trace"
finish
