#!/usr/bin/env bash
# leomesh experiment: raw results, CSV, plots and report; an interrupted sweep resumes.
set -u
leomesh="$1"
passes=0
failures=0
ok() { echo "ok:   $*"; passes=$((passes + 1)); }
bad() { echo "FAIL: $*"; failures=$((failures + 1)); }
dir=$(mktemp -d)
"$leomesh" experiment smoke --out "$dir" >/dev/null 2>"$dir/log" || bad "first run failed: $(cat "$dir/log")"
[ "$(wc -l <"$dir/raw.jsonl")" -eq 2 ] && ok "two runs recorded" || bad "raw.jsonl has $(wc -l <"$dir/raw.jsonl") lines"
for f in summary.csv report.md makespan.png makespan.svg latency_vs_model.png limit.png limit.svg; do
  [ -s "$dir/$f" ] && ok "$f written" || bad "$f missing"
done
grep -q "fib:25,cutoff=10, work at one satellite: neighbor" "$dir/report.md" && ok "report compares neighbor and global" || bad "no finding in report"
grep -qx "The experiment pipeline's seconds-long check: fib on a simulated 4x4 torus." "$dir/report.md" &&
  ok "report states the sweep's description whole" || bad "description mangled in report.md"
python3 - "$dir/raw.jsonl" <<'PY' && ok "every run verified exactly" || bad "a run did not verify"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert all(r["verified"] and r["result"] == 75025 for r in rows)
PY
python3 - "$dir/summary.csv" <<'PY' && ok "summary has the limit and makespan/limit" || bad "no limit columns in summary.csv"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert rows and all(float(r["limit_s"]) > 0 and float(r["makespan_over_limit"]) >= 1 for r in rows)
PY
grep -q "against the wavefront limit" "$dir/report.md" && ok "report compares makespan with the limit" || bad "no limit finding in report"
python3 - "$dir/raw.jsonl" <<'PY' && ok "each ns-3 run carries its spread of work: 16 rows of 60 spans" || bad "no heat grid"
import json, sys
for r in (json.loads(l) for l in open(sys.argv[1])):
    h = r["heat"]
    assert h["columns"] == 60 and len(h["rows"]) == 16 and all(len(x) == 60 for x in h["rows"]), h["columns"]
    assert all(0 <= v <= 1 for x in h["rows"] for v in x) and 1 < h["satellites_busy"] <= 16
    assert h["end_s"] == r["makespan_s"]
PY
[ -s "$dir/spread.png" ] && grep -q "(spread.png)" "$dir/report.md" && ok "report embeds the spread picture" ||
  bad "no spread picture in the report"
# Resume: a sweep cut short after its first run completes only the rest.
head -1 "$dir/raw.jsonl" >"$dir/cut" && mv "$dir/cut" "$dir/raw.jsonl"
"$leomesh" experiment smoke --out "$dir" >/dev/null 2>"$dir/log"
grep -q "1 already" "$dir/log" && ok "resumed after 1 of 2 runs" || bad "did not resume: $(cat "$dir/log")"
[ "$(wc -l <"$dir/raw.jsonl")" -eq 2 ] && ok "two runs after resuming" || bad "raw.jsonl has $(wc -l <"$dir/raw.jsonl") lines"
rm -rf "$dir"
echo "$passes passed, $failures failed"
[ "$failures" -eq 0 ]
