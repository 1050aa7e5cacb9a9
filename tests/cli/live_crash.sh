#!/usr/bin/env bash
# Crash recovery in live mode: kill -9 of two non-root agents during a UTS T1L run on
# torus:3x3 still gives the exact result, with the agents left dead and with them
# restarted (--restart-crashed); nothing is left behind either way. Left dead, every other
# agent takes both for dead by the end (and routes around them); restarted, none does.
source "$(dirname "$0")/common.sh"

run_and_kill() {  # extra launcher flags in "$@"
  "$leomesh" emulate --mode live --topology torus:3x3 --workload uts:T1L --workers 1 --heartbeat 0.1 \
    --timeout 300 --json "$json" "$@" >/dev/null 2>"$err" &
  launcher=$!
  a=$(agent_of $launcher 4) && b=$(agent_of $launcher 8) || bad "agents did not start"
  sleep 2  # the run takes 7-10 s without crashes
  kill -9 "$a" "$b"
  wait $launcher
  code=$?
}

check_run() {  # $1: label, $2: the launcher's exit code, $3: the satellites killed (default "4 8")
  local label=$1 code=$2 killed=${3:-4 8}
  [ "$code" -eq 0 ] && ok "$label: launcher exit 0" || bad "$label: exit $code: $(cat "$err")"
  python3 - "$json" "$killed" <<'EOF' && ok "$label: exact result, every crash reported" || bad "$label: $(head -c 400 "$json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["finished"] and d["verified"] and d["result"] == 102181082, d.get("result")
crashed = sorted(c["satellite"] for c in d["crashes"])
assert crashed == sorted(int(s) for s in sys.argv[2].split()), crashed
assert all("signal 9" in c["exit"] for c in d["crashes"])
EOF
  [ "$(grep -c 'killed by signal 9' "$err")" -eq "$(echo $killed | wc -w)" ] && ok "$label: each crash reported on stderr" || bad "$label: stderr: $(cat "$err")"
  left=$(pgrep -f "leomesh-agent --config /dev/fd/3" | wc -l)
  [ "$left" -eq 0 ] && ok "$label: no agent left" || bad "$label: $left agents left"
  [ "$(ls -A "$private_tmp" | wc -l)" -eq 0 ] && ok "$label: no run directory left" || bad "$label: left: $(ls -A "$private_tmp")"
}

# Which satellites each surviving agent takes for dead at the end: $1 as JSON.
taken_for_dead_is() {
  python3 - "$json" "$1" <<'EOF'
import json, sys
d, want = json.load(open(sys.argv[1])), json.loads(sys.argv[2])
views = {s["satellite"]: s["recovery"]["taken_for_dead"] for s in d["per_satellite"] if "recovery" in s}
assert len(views) == 9 - len(want), views
assert all(v == want for v in views.values()), views
EOF
}

run_and_kill
check_run "kill -9 of agents 4 and 8" "$code"
grep -q "the run goes on without it" "$err" && ok "the run went on without them" || bad "no 'goes on' line: $(cat "$err")"
taken_for_dead_is "[4, 8]" && ok "every other agent took 4 and 8 for dead" || bad "taken for dead: $(head -c 600 "$json")"

trace=$(mktemp -p /tmp)
run_and_kill --restart-crashed --trace "$trace"
check_run "kill -9 with --restart-crashed" "$code"
python3 - "$trace" <<'EOF' && ok "the trace shows both crashes and restarts" || bad "trace: $(head -c 300 "$trace")"
import json, sys
ev = json.load(open(sys.argv[1]))["traceEvents"]
assert sorted(e["pid"] for e in ev if e["name"] == "crash") == [5, 9]
assert sorted(e["pid"] for e in ev if e["name"] == "restart") == [5, 9]
EOF
rm -f "$trace"
python3 -c "
import json, sys
d = json.load(open('$json'))
assert all(c.get('restarted_incarnation') == 2 for c in d['crashes']), d['crashes']
" && ok "both restarted as incarnation 2" || bad "restarts: $(head -c 300 "$json")"
taken_for_dead_is "[]" && ok "restarted, no agent takes any for dead" || bad "taken for dead: $(head -c 600 "$json")"

# The root killed and restarted: the ground's work is injected again into its new life, and
# the run ends exact, its makespan counted from the run's start.
"$leomesh" emulate --mode live --topology torus:3x3 --workload uts:T1L --workers 1 --heartbeat 0.1 --timeout 300 \
  --restart-crashed --json "$json" >/dev/null 2>"$err" &
launcher=$!
a=$(agent_of $launcher 0) || bad "agents did not start"
sleep 2
kill -9 "$a"
wait $launcher
check_run "kill -9 of the root with --restart-crashed" "$?" 0
python3 -c "
import json; d = json.load(open('$json'))
assert d['crashes'][0]['restarted_incarnation'] == 2 and d['makespan_s'] > d['crashes'][0]['at_s'], d
" && ok "the root restarted as incarnation 2, the makespan from the run's start" || bad "root restart: $(head -c 300 "$json")"

# Without crash recovery a crash still ends the run, and says how to survive it.
"$leomesh" emulate --mode live --topology torus:3x3 --workload uts:T1L --workers 1 --timeout 300 >/dev/null 2>"$err" &
launcher=$!
a=$(agent_of $launcher 4) || bad "agents did not start"
sleep 1
kill -9 "$a"
wait $launcher
code=$?
[ $code -eq 1 ] && grep -q -- "--heartbeat" "$err" && ok "without recovery: exit 1, naming --heartbeat" || bad "without recovery: exit $code: $(cat "$err")"

finish
