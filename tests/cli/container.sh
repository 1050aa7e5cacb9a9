#!/usr/bin/env bash
# Container mode: agents in network namespaces, ISLs in ns-3 in real time. Exact results on
# torus:3x3 (neighbor, the README's command), torus:2x2 (global) and a moving 6x6 Walker
# shell; every ISL probed and no faster than its configured delay (how close to it is
# bench_container's figure: timing decides no test); nothing
# left behind (processes, namespaces, taps, run directories) after success, Ctrl-C, kill -9
# of an agent and kill -9 of the launcher; --cleanup; the not-root error. Needs root.
source "$(dirname "$0")/common.sh"
if [ "$(id -u)" -ne 0 ]; then
  echo "skipped: container mode needs root (CAP_NET_ADMIN); CI runs as root"
  exit 77
fi

# Every network namespace in use on this machine, by inode: those of processes and those
# held open by a descriptor (as the launcher holds its satellites').
namespaces() {
  { readlink /proc/[0-9]*/ns/net; ls -l /proc/[0-9]*/fd 2>/dev/null | grep -o 'net:\[[0-9]*\]'; } 2>/dev/null | sort -u
}
before=$(namespaces)

# Nothing of a run is left: none of its processes ($1: pids), no namespace that was not
# there before, no isl- interface here, no run directory. $2: label.
nothing_left() {
  local pids=$1 label=$2 alive new
  for _ in $(seq 1 100); do
    alive=$(echo "$pids" | xargs -r ps -o pid=,stat= -p 2>/dev/null | grep -vc ' Z' || true)
    new=$(comm -13 <(echo "$before") <(namespaces) | grep -c . || true)
    [ "$alive" -eq 0 ] && [ "$new" -eq 0 ] && [ -z "$(ls -A "$private_tmp")" ] && break
    sleep 0.05
  done
  local taps
  taps=$(ip -o link show | grep -c ' isl-' || true)
  [ "$alive" -eq 0 ] && [ "$new" -eq 0 ] && [ "$taps" -eq 0 ] && [ -z "$(ls -A "$private_tmp")" ] &&
    ok "$label: nothing left (processes, namespaces, taps, run directory)" ||
    bad "$label: $alive processes, $new namespaces, $taps taps, TMPDIR: $(ls -A "$private_tmp")"
}

# The run's children (agents and the ISL network), once all $2 agents are up.
children_of() {
  agents_of "$1" "$2" >/dev/null || return 1
  pgrep -P "$1"
}

check_exact() {  # $1: label, $2: expected result
  python3 - "$json" "$2" <<'EOF' && ok "$1: exact, every ISL probed and delayed by the network" || bad "$1: $(head -c 600 "$json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["mode"] == "container" and d["finished"] and d["verified"] and d["result"] == int(sys.argv[2]), d.get("result")
hop = d["container"]["per_hop"]
# Every ISL answered each probe, and none faster than its delay: the network, not the agents,
# delays the frames. How close to it is bench_container's to say (timing decides no test).
assert hop["links_probed"] > 0 and hop["links_answered"] == hop["links_probed"], hop
for l in hop["links"]:
    assert l["answers"] == hop["rounds"] and l["measured_s"] >= 0.99 * l["configured_s"], l
assert d["container"]["isl_network"]["frames_carried"] > 0
EOF
}

# 1. The README's command, then global on torus:2x2 with 2 ms ISLs, then a moving shell.
run() {  # label, expected, flags...
  local label=$1 expected=$2
  shift 2
  "$leomesh" emulate --mode container --workload uts:T1 --timeout 120 --json "$json" "$@" >/dev/null 2>"$err" &
  local launcher=$!
  local pids
  pids=$(children_of $launcher 4)
  wait $launcher
  local code=$?
  [ $code -eq 0 ] && ok "$label: exit 0" || bad "$label: exit $code: $(cat "$err")"
  check_exact "$label" "$expected"
  nothing_left "$pids" "$label"
}
run "torus:3x3 neighbor" 4130071 --topology torus:3x3 --policy neighbor
trace=$(mktemp -p /tmp)
run "torus:2x2 global, 2 ms ISLs" 4130071 --topology torus:2x2 --links uniform:2ms --policy global --trace "$trace"
python3 - "$trace" "$json" <<'EOF' && ok "torus:2x2: the trace holds every task and steal" || bad "torus:2x2: trace: $(head -c 300 "$trace")"
import json, sys
t, r = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
ev = t["traceEvents"]
for s in r["per_satellite"]:
    tasks = sum(e["args"]["tasks"] for e in ev if e["name"] == "busy" and e["pid"] == s["satellite"] + 1)
    assert tasks == s["tasks_executed"], (s["satellite"], tasks, s["tasks_executed"])
assert sum(1 for e in ev if e.get("cat") == "steal" and e["ph"] == "X") == r["steals"]["successes"]
EOF
rm -f "$trace"
run "walker 6x6 neighbor" 4130071 --topology walker-delta:6x6,alt=1200,inc=53,range=8000 --policy neighbor
python3 -c "
import json; d = json.load(open('$json'))
assert d['satellites'] == 36 and d['container']['taps'] == 144 and d['container']['namespaces'] == 36, d['container']
" && ok "walker 6x6: 36 namespaces, 144 taps" || bad "walker: $(head -c 300 "$json")"

# 2. Ctrl-C of the launcher mid-run.
"$leomesh" emulate --mode container --topology torus:2x2 --workload uts:T1XL --timeout 120 >/dev/null 2>"$err" &
launcher=$!
pids=$(children_of $launcher 4) || bad "Ctrl-C: agents did not start"
sleep 0.5
kill -INT $launcher
wait $launcher
code=$?
[ $code -ne 0 ] && ok "Ctrl-C: launcher exits non-zero ($code)" || bad "Ctrl-C: exit 0"
nothing_left "$pids" "Ctrl-C"

# 3. kill -9 of an agent: without crash recovery the run ends, reported; with it, exact.
"$leomesh" emulate --mode container --topology torus:2x2 --workload uts:T1XL --timeout 120 >/dev/null 2>"$err" &
launcher=$!
pids=$(children_of $launcher 4) || bad "kill -9 agent: agents did not start"
sleep 0.5
kill -9 "$(agent_of $launcher 3)"
wait $launcher
code=$?
[ $code -eq 1 ] && grep -q "killed by signal 9" "$err" && ok "kill -9 of an agent: reported, exit 1" ||
  bad "kill -9 of an agent: exit $code: $(cat "$err")"
nothing_left "$pids" "kill -9 of an agent"

"$leomesh" emulate --mode container --topology torus:3x3 --workload uts:T1L --heartbeat 0.1 --timeout 300 \
  --json "$json" >/dev/null 2>"$err" &
launcher=$!
pids=$(children_of $launcher 9) || bad "recovery: agents did not start"
sleep 2
kill -9 "$(agent_of $launcher 4)"
wait $launcher
code=$?
python3 -c "
import json; d = json.load(open('$json'))
assert d['finished'] and d['verified'] and d['result'] == 102181082 and [c['satellite'] for c in d['crashes']] == [4]
" && [ $code -eq 0 ] && ok "kill -9 of an agent with --heartbeat: exact" || bad "recovery: exit $code: $(cat "$err")"
nothing_left "$pids" "kill -9 of an agent with --heartbeat"

# 4. kill -9 of the launcher: its agents and ISL network die with it, its namespaces go.
"$leomesh" emulate --mode container --topology torus:2x2 --workload uts:T1XL --timeout 120 >/dev/null 2>"$err" &
launcher=$!
pids=$(children_of $launcher 4) || bad "kill -9 launcher: agents did not start"
sleep 0.3
kill -9 $launcher
wait $launcher 2>/dev/null
nothing_left "$pids" "kill -9 of the launcher"
out=$("$leomesh" emulate --cleanup)
[ "$out" = "nothing to clean up" ] && ok "--cleanup after kill -9: $out" || bad "--cleanup: $out"

# 5. --cleanup removes a run directory whose launcher is gone, and no other.
true &
dead=$!
wait $dead
mkdir -p "$private_tmp/leomesh-container-$dead-abcdef" "$private_tmp/leomesh-live-$$-abcdef"
out=$("$leomesh" emulate --cleanup)
[ ! -e "$private_tmp/leomesh-container-$dead-abcdef" ] && [ -e "$private_tmp/leomesh-live-$$-abcdef" ] &&
  ok "--cleanup: $out" || bad "--cleanup: $out; left: $(ls -A "$private_tmp")"
rm -rf "$private_tmp/leomesh-live-$$-abcdef"

# 6. Without root: one line, exit 2, nothing made.
if command -v setpriv >/dev/null; then
  out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$leomesh" emulate --mode container --topology torus:2x2 \
    --workload uts:T1 2>&1)
  code=$?
  [ $code -eq 2 ] && [ "$(echo "$out" | wc -l)" -eq 1 ] && echo "$out" | grep -q "needs root" &&
    ok "not root: $out" || bad "not root: exit $code: $out"
fi

finish
