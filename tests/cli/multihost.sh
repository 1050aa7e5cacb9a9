#!/usr/bin/env bash
# The README's multi-host flow, on hosts made of network namespaces: four "hosts", each with
# its own address on a veth link to one switch (a bridge in a fifth namespace), no ns-3.
# The configurations come from the README's `config generate --endpoints tcp --host h0,..`
# command; each agent starts in its host as `srun` would start it, with the configuration
# path's {id} taken from SLURM_PROCID. The root prints the exact result. Needs root.
source "$(dirname "$0")/common.sh"
if [ "$(id -u)" -ne 0 ]; then
  echo "skipped: making network namespaces needs root; CI runs as root"
  exit 77
fi

tag="lmh$$"
hosts=4
cfg=$(mktemp -d -p /tmp)
out=$(mktemp -d -p /tmp)
cleanup() {
  for i in $(seq 0 $((hosts - 1))); do ip netns pids "$tag-h$i" 2>/dev/null | xargs -r kill -9; done
  for i in $(seq 0 $((hosts - 1))); do ip netns del "$tag-h$i" 2>/dev/null; done
  ip netns del "$tag-sw" 2>/dev/null
  rm -rf "$cfg" "$out"
}
trap cleanup EXIT

# The switch, and one host per satellite on it: 10.77.0.(i+1)/24 on its eth0.
ip netns add "$tag-sw"
ip -n "$tag-sw" link add br0 type bridge
ip -n "$tag-sw" link set br0 up
list=""
for i in $(seq 0 $((hosts - 1))); do
  h="$tag-h$i"
  ip netns add "$h"
  ip link add "$tag-v$i" type veth peer name eth0 netns "$h"
  ip link set "$tag-v$i" netns "$tag-sw"
  ip -n "$tag-sw" link set "$tag-v$i" master br0 up
  ip -n "$h" addr add "10.77.0.$((i + 1))/24" dev eth0
  ip -n "$h" link set eth0 up
  ip -n "$h" link set lo up
  list="$list${list:+,}10.77.0.$((i + 1))"
done
[ "$(ip -n "$tag-h3" -o -4 addr show dev eth0 | grep -c 10.77.0.4/24)" -eq 1 ] && ok "host 3 has 10.77.0.4 of its own" ||
  bad "host 3: $(ip -n "$tag-h3" -o addr)"

# The README's command (a smaller workload and one worker per host).
"$leomesh" config generate --topology mesh:2x2 --links none --workers 1 \
  --workload uts:T1L --endpoints tcp --host "$list" --out "$cfg" >/dev/null &&
  ok "config generate --host $list" || bad "config generate failed"
grep -q 'endpoint: "tcp://10.77.0.3:17002"' "$cfg/sat-2.conf" && ok "satellite 2 listens on its host's address" ||
  bad "sat-2.conf: $(grep endpoint "$cfg/sat-2.conf" | head -3)"

# As srun starts them: the same command on every host, SLURM_PROCID telling each its id.
for i in $(seq 0 $((hosts - 1))); do
  SLURM_PROCID=$i ip netns exec "$tag-h$i" "$agent" --exit-when-done --config "$cfg/sat-{id}.conf" \
    >"$out/$i.out" 2>"$out/$i.err" &
done
start=$SECONDS
failed=0
for job in $(jobs -p); do wait "$job" || failed=$((failed + 1)); done
[ $failed -eq 0 ] && ok "all $hosts agents exited 0 in $((SECONDS - start)) s" ||
  bad "$failed agents failed: $(cat "$out"/*.err | head -5)"
python3 - "$out/0.out" <<'EOF' && ok "root: exact result over the hosts' network" || bad "root printed: $(head -c 400 "$out/0.out")"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
done = [l for l in lines if l.get("event") == "finished"]
assert done and done[0]["verified"] and done[0]["result"]["sum"] == 102181082, done
EOF
# Every agent did part of the work: the steals crossed the hosts' links.
python3 - "$out" "$hosts" <<'EOF' && ok "every host ran tasks" || bad "telemetry: $(tail -c 300 "$out"/1.out)"
import json, sys
for i in range(int(sys.argv[2])):
    t = [json.loads(l) for l in open(f"{sys.argv[1]}/{i}.out") if '"telemetry"' in l][-1]
    assert t["tasks_executed"] > 0, (i, t["tasks_executed"])
EOF

cleanup
trap - EXIT
left=$(ip netns list | grep -c "^$tag-" || true)
[ "$left" -eq 0 ] && ok "no namespace left" || bad "$left namespaces left"
finish
