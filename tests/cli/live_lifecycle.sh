#!/usr/bin/env bash
# Live mode leaves nothing behind: an agent killed with SIGKILL mid-run is reported and the
# rest are stopped; Ctrl-C stops everything; an invalid agent config is refused with exit 2.
source "$(dirname "$0")/common.sh"

# 1. kill -9 of one agent mid-run.
"$leomesh" emulate --mode live --topology torus:3x3 --policy neighbor --workload uts:T1XL --workers 1 --timeout 120 \
  >/dev/null 2>"$err" &
launcher=$!
pids=$(agents_of $launcher 9) || bad "agents did not start"
victim=$(echo "$pids" | sed -n 5p)
sleep 0.5
kill -9 "$victim"
start=$SECONDS
wait $launcher
code=$?
if [ $code -eq 1 ] && grep -q "killed by signal 9" "$err"; then ok "kill -9 reported: $(cat "$err")"; else bad "kill -9: exit $code: $(cat "$err")"; fi
[ $((SECONDS - start)) -le 10 ] && ok "launcher exited promptly" || bad "launcher took $((SECONDS - start)) s"
left=$(echo "$pids" | xargs -r ps -o pid= -p 2>/dev/null | wc -l)
[ "$left" -eq 0 ] && ok "no agent left after kill -9" || bad "$left agents left after kill -9"

# 2. Ctrl-C (SIGINT) to the launcher mid-run.
"$leomesh" emulate --mode live --topology mesh:2x2 --policy global --workload uts:T1XL --workers 1 --timeout 120 \
  >/dev/null 2>"$err" &
launcher=$!
pids=$(agents_of $launcher 4) || bad "agents did not start"
sleep 0.5
kill -INT $launcher
wait $launcher
code=$?
[ $code -ne 0 ] && ok "interrupted launcher exits non-zero ($code)" || bad "interrupted launcher exit 0"
left=$(echo "$pids" | xargs -r ps -o pid= -p 2>/dev/null | wc -l)
[ "$left" -eq 0 ] && ok "no agent left after Ctrl-C" || bad "$left agents left after Ctrl-C"

left=$(ls -A "$private_tmp" | wc -l)
[ "$left" -eq 0 ] && ok "no run directory left" || bad "left in TMPDIR: $(ls -A "$private_tmp")"

# 3. No secret ever on disk: agents read their configuration from an inherited memory file.
"$leomesh" emulate --mode live --topology mesh:2x2 --policy global --workload uts:T1XL --workers 1 --timeout 120 \
  >/dev/null 2>"$err" &
launcher=$!
pids=$(agents_of $launcher 4) || bad "agents did not start"
sleep 0.3
if grep -rqs "secret_key" "$private_tmp"; then bad "a secret key is in a file of the run directory"; else ok "no secret key in the run directory"; fi
first=$(echo "$pids" | head -1)
readlink "/proc/$first/fd/3" | grep -q '^/memfd:' && ok "agent's configuration is a memory file" ||
  bad "agent's configuration: $(readlink "/proc/$first/fd/3")"

# 4. kill -9 and SIGHUP of the launcher (finding 7): agents die with it, the run directory goes.
for sig in KILL HUP; do
  [ $sig = HUP ] && { "$leomesh" emulate --mode live --topology mesh:2x2 --policy global --workload uts:T1XL --workers 1 \
    --timeout 120 >/dev/null 2>"$err" & launcher=$!; pids=$(agents_of $launcher 4) || bad "agents did not start"; }
  sleep 0.3
  kill -$sig $launcher
  wait $launcher 2>/dev/null
  gone=0
  for _ in $(seq 1 100); do
    alive=$(echo "$pids" | xargs -r ps -o pid=,stat= -p 2>/dev/null | grep -vc ' Z' || true)
    [ "$alive" -eq 0 ] && [ -z "$(ls -A "$private_tmp")" ] && { gone=1; break; }
    sleep 0.05
  done
  [ $gone -eq 1 ] && ok "SIG$sig of the launcher: no agent, no run directory left" ||
    bad "SIG$sig of the launcher: $alive agents, left in TMPDIR: $(ls -A "$private_tmp")"
done

# 5. The agent refuses a missing or invalid configuration: one line, exit 2.
out=$("$agent" --config /nonexistent/sat-0.conf 2>&1); code=$?
[ $code -eq 2 ] && [ "$(echo "$out" | wc -l)" -eq 1 ] && ok "missing config: $out" || bad "missing config: exit $code: $out"
cfgdir=$(mktemp -d -p /tmp)
"$leomesh" config generate --topology torus:3x3 --workload fib:20 --out "$cfgdir" >/dev/null
sed -i 's/^workers: .*/workers: 0/' "$cfgdir/sat-4.conf"
out=$("$agent" --config "$cfgdir/sat-4.conf" 2>&1); code=$?
[ $code -eq 2 ] && echo "$out" | grep -q workers && ok "invalid config: $out" || bad "invalid config: exit $code: $out"
out=$("$agent" --config "$cfgdir/sat-{id}.conf" 2>&1); code=$?
[ $code -eq 2 ] && ok "{id} without --id or SLURM_PROCID: $out" || bad "{id}: exit $code: $out"
rm -rf "$cfgdir"
finish
