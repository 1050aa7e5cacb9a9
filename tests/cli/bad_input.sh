#!/usr/bin/env bash
# Bad input of any kind: exactly one line on stderr, nothing on stdout, exit code 2.
set -u
leomesh="$1"
failures=0
passes=0
expect_bad() {
  local out err code
  out=$(mktemp); err=$(mktemp)
  timeout 20 "$leomesh" "$@" >"$out" 2>"$err"
  code=$?
  local lines
  lines=$(wc -l <"$err")
  if [ "$code" -ne 2 ] || [ "$lines" -ne 1 ] || [ -s "$out" ]; then
    echo "FAIL: leomesh $* -> exit $code, $lines stderr lines:"; cat "$err"
    failures=$((failures + 1))
  else
    echo "ok:   leomesh $* -> $(cat "$err")"
    passes=$((passes + 1))
  fi
  rm -f "$out" "$err"
}
expect_bad
expect_bad frobnicate
expect_bad model
expect_bad model --topology
expect_bad model --topology saturn
expect_bad model --topology mesh:0x4
expect_bad model --topology torus:-3x3
expect_bad model --topology mesh:4
expect_bad model --topology full:0
expect_bad model --topology full:100000
expect_bad model --topology torus:1000x1000
expect_bad model --topology mesh:1x1
expect_bad model --topology walker-delta:72x22,alt=100,inc=53
expect_bad model --topology walker-delta:72x22,alt=550,inc=200
expect_bad model --topology walker-star:6x11,alt=780
expect_bad model --topology starlink-s1 --links warp
expect_bad model --topology starlink-s1 --links uniform:5
expect_bad model --topology torus:4x4 --links geometric
expect_bad model --topology starlink-s1 --samples 0
expect_bad model --topology starlink-s1 --khop abc
expect_bad model --topology starlink-s1 --bogus
expect_bad model --limit --topology torus:4x4
expect_bad model --limit --workload uts:T1
expect_bad model --limit --workload uts:T42 --topology torus:4x4
expect_bad model --limit --workload nqueens:10 --topology torus:4x4
expect_bad model --limit --workload uts:T1 --topology torus:4x4 --inject-at 16
expect_bad model --limit --workload uts:T1 --topology torus:4x4 --inject-at -1
expect_bad model --limit --workload uts:T1 --topology torus:4x4 --task-cost -1ms
expect_bad model --limit --workload uts:T1 --topology torus:4x4 --task-cost 0
expect_bad model --limit --workload uts:T1 --topology torus:4x4 --task-cost fast
expect_bad model --limit --workload uts:T1 --topology torus:4x4 --workers 0
expect_bad model --limit --workload uts:T1 --topology saturn
expect_bad model --limit --sweep --workload uts:T1
expect_bad model --topology torus:4x4 --workload uts:T1
expect_bad topology
expect_bad topology --topology iridium --time -5
expect_bad topology --topology kuiper-k2
expect_bad run
expect_bad run --workload
expect_bad run --workload fib:-3
expect_bad run --workload fib:100
expect_bad run --workload uts:T42
expect_bad run --workload uts:d=-1
expect_bad run --workload nqueens:8,cutoff=x
expect_bad run --workload bag:balanced,tasks=0,cost=5
expect_bad run --workload fib:10 --workers 0
expect_bad run --workload fib:10 --workers many
expect_bad run --workload fib:10 --json /nonexistent-dir/out.json
expect_bad config
expect_bad config frobnicate
expect_bad config generate
expect_bad config generate --topology torus:3x3
expect_bad config generate --topology saturn --out /nonexistent-dir/cfg
expect_bad config generate --topology torus:3x3 --out /nonexistent-dir/cfg --links geometric
expect_bad config generate --topology torus:3x3 --out /nonexistent-dir/cfg --workers 0
expect_bad config generate --topology torus:3x3 --out /nonexistent-dir/cfg --policy sideways
expect_bad config generate --topology torus:3x3 --out /nonexistent-dir/cfg --workload fib:-3
expect_bad config generate --topology torus:3x3 --out /nonexistent-dir/cfg --inject-at 9
expect_bad config generate --topology torus:3x3 --out /nonexistent-dir/cfg --endpoints udp
expect_bad config generate --topology torus:3x3 --out /nonexistent-dir/cfg --endpoints tcp --base-port 65530
expect_bad config generate --topology torus:3x3 --out /dev/null
expect_bad config validate
expect_bad config validate /nonexistent-dir/sat-0.conf
# Corrupted files with exactly one problem each (several problems give several lines; those
# are covered by tests/firmware-config/config.cpp).
cfgdir=$(mktemp -d)
"$leomesh" config generate --topology torus:3x3 --out "$cfgdir" >/dev/null ||
  { echo "FAIL: leomesh config generate --topology torus:3x3 --out $cfgdir"; failures=$((failures + 1)); }
sed 's/^workers: 2$/workers: 0/' "$cfgdir/sat-4.conf" >"$cfgdir/workers.conf"
printf 'identity {\n  satellite: oops\n}\n' >"$cfgdir/garbage.conf"
sed 's/key: "steal_timeout_s"/key: "steal_timout_s"/' "$cfgdir/sat-4.conf" >"$cfgdir/knob-name.conf"
sed '/key: "retransmit_s"/{n;s/value: .*/value: -1/}' "$cfgdir/sat-4.conf" >"$cfgdir/knob-value.conf"
expect_bad config validate "$cfgdir/workers.conf"
expect_bad config validate "$cfgdir/garbage.conf"
expect_bad config validate "$cfgdir/knob-name.conf"
expect_bad config validate "$cfgdir/knob-value.conf"
expect_bad config validate "$cfgdir"
# Numbers out of range in a file (issue 11, finding 8): a report every nanosecond, a
# retransmission every 1e-300 s; an endpoint naming a regular file (finding 6).
sed 's/report_interval_s: .*/report_interval_s: 1e-09/' "$cfgdir/sat-4.conf" >"$cfgdir/report.conf"
grep -q 'report_interval_s: 1e-09' "$cfgdir/report.conf" ||
  printf 'telemetry {\n  report_interval_s: 1e-09\n}\n' >>"$cfgdir/report.conf"
sed '/key: "retransmit_s"/{n;s/value: .*/value: 1e-300/}' "$cfgdir/sat-4.conf" >"$cfgdir/retransmit.conf"
touch "$cfgdir/precious"
sed "s|^endpoint: .*|endpoint: \"ipc://$cfgdir/precious\"|" "$cfgdir/sat-4.conf" >"$cfgdir/file-endpoint.conf"
expect_bad config validate "$cfgdir/report.conf"
expect_bad config validate "$cfgdir/retransmit.conf"
expect_bad config validate "$cfgdir/file-endpoint.conf"
[ -f "$cfgdir/precious" ] || { echo "FAIL: validation removed a regular file"; failures=$((failures + 1)); }
rm -rf "$cfgdir"
# Numbers (finding 8): each finite and within its documented range.
sim="emulate --mode sim --topology torus:2x2 --workload fib:10"
expect_bad $sim --task-cost 1e300
expect_bad $sim --task-cost 1e6s
expect_bad $sim --fail-link 0-1@1e298
expect_bad $sim --max-sim-time 1e300
expect_bad $sim --max-sim-time nan
expect_bad $sim --update-interval inf
expect_bad $sim --seed -1
expect_bad emulate --mode live --topology torus:2x2 --workload fib:10 --timeout nan
expect_bad emulate --mode live --topology torus:2x2 --workload fib:10 --time-scale 0
expect_bad model --topology torus:100000x100000
expect_bad model --topology walker-delta:10x10,alt=550,inc=53,phase=99999999999
expect_bad model --topology walker-delta:100000x100000,alt=550,inc=53
expect_bad config generate --topology torus:3x3 --out /nonexistent-dir/cfg --seed -1
# Faults (sim): specs, the root and the ground contact, rates and probabilities in range.
expect_bad $sim --fail-sat 3
expect_bad $sim --fail-sat x@1
expect_bad $sim --fail-sat 3@2-1
expect_bad $sim --fail-sat 3@-1
expect_bad $sim --fail-sat 3@1e298
expect_bad $sim --fail-sat 99999999999@1
expect_bad $sim --fail-sat 9@1
expect_bad $sim --fail-sat 0@1
expect_bad $sim --fail-sat 2@1 --inject-at 2
expect_bad $sim --crash-rate -1
expect_bad $sim --crash-rate nan
expect_bad $sim --crash-rate 1e9
expect_bad $sim --crash-rate 1 --crash-downtime 0
expect_bad $sim --crash-rate 1 --crash-downtime inf
expect_bad $sim --crash-downtime 1
expect_bad $sim --flap-links -0.5
expect_bad $sim --flap-links 1 --flap-downtime 1e300
expect_bad $sim --flap-downtime 0.1
expect_bad $sim --duplicate 1.5
expect_bad $sim --duplicate nan
expect_bad $sim --corrupt 0.9
expect_bad $sim --corrupt -0.1
expect_bad emulate --mode live --topology torus:2x2 --workload fib:10 --fail-sat 1@1
expect_bad emulate --mode live --topology torus:2x2 --workload fib:10 --crash-rate 1
expect_bad emulate --mode live --topology torus:2x2 --workload fib:10 --duplicate 0.1
# A flag of the other mode is an error, not ignored.
expect_bad emulate --mode live --topology torus:2x2 --workload fib:10 --task-cost 1ms
expect_bad emulate --mode live --topology torus:2x2 --workload fib:10 --fail-link 0-1@1
expect_bad $sim --timeout 5
expect_bad $sim --endpoints tcp
# No output file before the inputs are valid.
jsondir=$(mktemp -d)
expect_bad $sim --json "$jsondir/out.json" --task-cost -1
expect_bad $sim --json "$jsondir/out.json" --fail-link 0-1@x
[ -e "$jsondir/out.json" ] && { echo "FAIL: a refused run left $jsondir/out.json"; failures=$((failures + 1)); }
rm -rf "$jsondir"
# A long $TMPDIR is named as such, not as a flag that was not given.
longtmp=$(mktemp -d)/$(printf 'd%.0s' $(seq 1 90))
mkdir -p "$longtmp"
out=$(TMPDIR="$longtmp" "$leomesh" emulate --mode live --topology torus:2x2 --workload fib:10 2>&1)
case "$out" in
  *TMPDIR*) echo "ok:   long TMPDIR -> $out"; passes=$((passes + 1)) ;;
  *) echo "FAIL: long TMPDIR -> $out"; failures=$((failures + 1)) ;;
esac
[ -z "$(ls -A "$longtmp")" ] || { echo "FAIL: long TMPDIR run left files"; failures=$((failures + 1)); }
rm -rf "$(dirname "$longtmp")"
expect_bad emulate --mode sim --topology torus:4x4 --workload fib:10 --policy random
expect_bad emulate --mode warp --topology torus:4x4 --workload fib:10
expect_bad emulate --topology torus:4x4 --workload fib:10
expect_bad emulate --mode sim --topology torus:4x4 --workload fib:10 --inject-at 16
expect_bad emulate --mode sim --topology torus:4x4 --workload fib:10 --fail-link 0-9@1
expect_bad emulate --mode sim --topology torus:4x4 --workload fib:10 --fail-link 0-1@2-1
expect_bad emulate --mode sim --topology torus:4x4 --workload fib:10 --task-cost fast
expect_bad emulate --mode sim --topology torus:4x4 --workload fib:10 --task-cost -1us
expect_bad emulate --mode live --topology starlink-s1 --workload fib:10
expect_bad emulate --mode sim --topology torus:4x4 --workload fib:10 --steal-timeout -1
expect_bad emulate --mode sim --topology torus:4x4 --workload fib:10 --retransmit 0
expect_bad emulate --mode sim --topology torus:4x4 --workload fib:10 --remember soon
expect_bad emulate --mode sim --topology torus:4x4 --workload fib:10 --backoff-max 1us
expect_bad emulate --mode live --topology torus:3x3 --workload fib:10 --backoff-min -5ms
expect_bad emulate --mode sim --topology torus:4x4 --workload fib:10 --steal-patience 1
expect_bad emulate --mode sim --topology torus:4x4 --workload fib:10 --demand-horizon-hops 2.5
expect_bad emulate --mode sim --topology torus:4x4 --workload fib:10 --demand-horizon-hops 5000
expect_bad emulate --mode sim --topology torus:4x4 --workload fib:10 --requests-in-flight 2ms
expect_bad config generate --topology torus:3x3 --out /tmp/leomesh-bad-input-cfg --demand-horizon-hops -1
expect_bad config generate --topology torus:3x3 --out /nonexistent-dir/cfg --steal-timeout 0
expect_bad experiment
expect_bad experiment nonsense
expect_bad experiment demo --repeat 0
echo "$passes passed, $failures failed"
[ "$failures" -eq 0 ]
