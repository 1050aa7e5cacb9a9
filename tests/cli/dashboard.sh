#!/usr/bin/env bash
# The dashboard in a real browser: Debian's headless chromium loads the page the dashboard
# serves for a trace and runs its script; the DOM it ends with has the satellite count, one
# circle per satellite on the map and on the grid, and the view the slider moved to (the
# clock, the frame, the satellites' colours); a screenshot is saved as dashboard.png in $2.
# Also: nothing but the dashboard's own files is loaded, it listens on loopback only,
# SIGTERM stops it, and a file that is not a trace is refused (exit 2).
source "$(dirname "$0")/common.sh"
shots=${2:-.}
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "skipped: chromium is not installed (make test installs it)"; exit 77; }
trace=$(mktemp -p /tmp)
out=$(mktemp -p /tmp)
# A fresh profile for every load: a profile left locked by an earlier instance makes
# chromium hand the page to it and dump nothing.
dom() {
  local profile
  profile=$(mktemp -d -p /tmp)
  "$browser" --headless=new --no-sandbox --disable-gpu --user-data-dir="$profile" --virtual-time-budget=10000 \
    --dump-dom "$1" 2>/dev/null
  rm -rf "$profile"
}

"$leomesh" emulate --mode sim --topology walker-delta:6x6,alt=1200,inc=53,range=8000 --policy neighbor \
  --workload uts:T1 --task-cost 20us --trace "$trace" >/dev/null 2>"$err" || bad "trace: $(cat "$err")"
"$leomesh" dashboard --port 0 --frames 40 "$trace" >"$out" 2>&1 &
server=$!
for _ in $(seq 1 400); do grep -q '^dashboard: http' "$out" && break; sleep 0.05; done
url=$(sed -n 's/^dashboard: \(http[^ ]*\).*/\1/p' "$out")
[ -n "$url" ] && ok "dashboard at $url" || bad "no URL: $(cat "$out")"
port=${url##*:}
port=${port%/}
ss -ltn | grep -q "127.0.0.1:$port " && ! ss -ltn | grep -q "0.0.0.0:$port " && ok "listens on loopback only" ||
  bad "listening: $(ss -ltn | grep ":$port")"

first=$(dom "${url}")
mid=$(dom "${url}?frame=20")
python3 - "$first" "$mid" <<'PY' && ok "chromium: 36 satellites on map and grid, the slider moves the view" || bad "page: ${mid:0:600}"
import re, sys
first, mid = sys.argv[1], sys.argv[2]
for page in (first, mid):
    assert 'data-ready="1"' in page, page[:300]
    assert re.search(r'id="count">36<', page)
    assert len(re.findall(r'<circle class="sat" ', page)) == 36
    assert len(re.findall(r'<circle class="sat-grid" ', page)) == 36
    assert len(re.findall(r'<line class="isl"', page)) == 2 * 72  # both views, every candidate ISL
    assert '<image class="earth"' in page  # the map of the Earth under the ground tracks
assert 'data-frame="0"' in first and 'data-frame="20"' in mid
clock = lambda p: re.search(r'id="clock">([^<]*)<', p).group(1)
assert clock(first) != clock(mid), (clock(first), clock(mid))
# Load: at the start only the satellite with the work is busy; mid-run nearly all are.
fills = lambda p: re.findall(r'<circle class="sat-grid" [^>]*fill="([^"]*)"', p)
assert fills(first) != fills(mid)
assert len(set(fills(mid))) < len(fills(mid))
PY
"$browser" --headless=new --no-sandbox --disable-gpu --hide-scrollbars --window-size=1400,800 \
  --virtual-time-budget=10000 --screenshot="$shots/dashboard.png" "${url}?frame=20" >/dev/null 2>&1
[ -s "$shots/dashboard.png" ] && ok "screenshot: $shots/dashboard.png" || bad "no screenshot"

[ "$(curl -s "${url}earth.jpg" | head -c 3 | od -An -tx1 | tr -d ' ')" = "ffd8ff" ] &&
  ok "the map of the Earth is served (a JPEG, from xplanet-images)" || bad "no earth.jpg"

# Only its own files: no script, style or image from anywhere else.
page=$(curl -s "$url"; curl -s "${url}app.js"; curl -s "${url}style.css")
! echo "$page" | grep -Eq '(src|href)="(https?:)?//|url\(|@import|cdn' && ok "no resource from the network" ||
  bad "external resource: $(echo "$page" | grep -Eo '(src|href)="[^"]*"' | head -3)"

kill -TERM $server
wait $server
code=$?
[ $code -eq 0 ] && ok "SIGTERM stops it (exit 0)" || bad "after SIGTERM: exit $code"

echo '{"not": "a trace"}' >"$trace"
msg=$("$leomesh" dashboard --port 0 "$trace" 2>&1)
[ $? -eq 2 ] && [ "$(echo "$msg" | wc -l)" -eq 1 ] && ok "not a trace: $msg" || bad "not a trace: $msg"

# Starlink shell 1, the README's command: all 1,584 satellites and 3,168 ISLs drawn.
"$leomesh" emulate --mode sim --topology starlink-s1 --policy neighbor --workload uts:T1 --trace "$trace" \
  >/dev/null 2>"$err" || bad "starlink trace: $(cat "$err")"
"$leomesh" dashboard --port 0 "$trace" >"$out" 2>&1 &
server=$!
for _ in $(seq 1 400); do grep -q '^dashboard: http' "$out" && break; sleep 0.05; done
url=$(sed -n 's/^dashboard: \(http[^ ]*\).*/\1/p' "$out")
dom "${url}?frame=30" >"$out.dom"  # megabytes: a file, not an argument
# A browser starved of CPU (the sanitizers, other builds) may give up on a page this size
# and dump nothing: one more try before the page is judged.
grep -q 'data-ready="1"' "$out.dom" || dom "${url}?frame=30" >"$out.dom"
python3 - "$out.dom" <<'PY' && ok "chromium: Starlink shell 1, 1,584 satellites on map and grid" || bad "starlink page: $(tail -c 400 "$out.dom")"
import re, sys
page = open(sys.argv[1]).read()
assert 'data-ready="1"' in page and 'data-frame="30"' in page, page[-300:]
assert re.search(r'id="count">1584<', page)
assert len(re.findall(r'<circle class="sat" ', page)) == 1584
assert len(re.findall(r'<circle class="sat-grid" ', page)) == 1584
assert len(re.findall(r'<line class="isl"', page)) == 2 * 3168
PY
kill -TERM $server
wait $server
rm -f "$out.dom"

# emulate --dashboard: the page follows a live run as its agents work. Chromium opens it
# while the run goes on and ends with the run's last view (the slider on the last frame),
# after redrawing on each event; /events announces a new view every 0.5 s.
live_err=$(mktemp -p /tmp)
"$leomesh" emulate --mode live --topology torus:3x3 --workload uts:T1L --workers 1 --dashboard 0 \
  --json "$json" >/dev/null 2>"$live_err" &
launcher=$!
for _ in $(seq 1 200); do grep -q '^dashboard: http' "$live_err" && break; sleep 0.05; done
url=$(sed -n 's/^dashboard: \(http[^ ]*\).*/\1/p' "$live_err")
[ -n "$url" ] && ok "emulate --dashboard at $url" || bad "no URL: $(cat "$live_err")"
events=$(timeout 2 curl -sN "${url}events")
[ "$(echo "$events" | grep -c '^data: ')" -ge 2 ] && ok "/events: a new view every 0.5 s" || bad "/events: $events"
page=$(dom "$url")
wait $launcher
code=$?
[ $code -eq 0 ] && ok "the run under the dashboard: exit 0" || bad "run: exit $code: $(cat "$live_err")"
python3 - "$page" "$json" <<'PY' && ok "chromium followed the live run to its end" || bad "live page: ${page:0:600}"
import json, re, sys
page, r = sys.argv[1], json.load(open(sys.argv[2]))
assert r["finished"] and r["verified"]
assert 'data-ready="1"' in page and 'data-live="over"' in page, page[:300]
assert re.search(r'id="count">9<', page)
assert len(re.findall(r'<circle class="sat-grid" ', page)) == 9
assert int(re.search(r'data-updates="(\d+)"', page).group(1)) >= 2
assert 'data-frame="59"' in page  # it followed the present
end = float(re.search(r'id="clock">t = [0-9.]+ s of ([0-9.]+) s<', page).group(1))
assert end >= 0.9 * r["makespan_s"], (end, r["makespan_s"])
PY
msg=$("$leomesh" emulate --mode sim --topology torus:2x2 --workload uts:T1 --dashboard 0 2>&1)
[ $? -eq 2 ] && [ "$(echo "$msg" | wc -l)" -eq 1 ] && ok "sim --dashboard: $msg" || bad "sim --dashboard: $msg"
rm -f "$live_err"

# An experiment's raw.jsonl: its ns-3 runs' spread grids replay on the same page.
dir=$(mktemp -d)
"$leomesh" experiment smoke --out "$dir" >/dev/null 2>"$err" || bad "experiment: $(cat "$err")"
"$leomesh" dashboard --port 0 --run 2 "$dir/raw.jsonl" >"$out" 2>&1 &
server=$!
for _ in $(seq 1 400); do grep -q '^dashboard: http' "$out" && break; sleep 0.05; done
url=$(sed -n 's/^dashboard: \(http[^ ]*\).*/\1/p' "$out")
page=$(dom "${url}?frame=30")
python3 - "$page" "$dir/raw.jsonl" <<'PY' && ok "chromium: raw.jsonl run 2 (16 satellites) replays its spread grid" || bad "raw page: ${page:0:600}"
import json, re, sys
page, raw = sys.argv[1], [json.loads(l) for l in open(sys.argv[2])]
assert 'data-ready="1"' in page and 'data-frame="30"' in page, page[:300]
assert re.search(r'id="count">16<', page)
assert len(re.findall(r'<circle class="sat-grid" ', page)) == 16
# The grid's colours follow the run's load in that frame: satellites idle in the grid share
# one colour, and at least two colours show when the frame has both idle and busy ones.
col = [row[30] for row in raw[1]["heat"]["rows"]]
fills = re.findall(r'<circle class="sat-grid" [^>]*fill="([^"]*)"', page)
idle = {fills[i] for i, v in enumerate(col) if v == 0}
assert len(idle) <= 1, idle
if 0 in col and any(col): assert len(set(fills)) >= 2
PY
kill -TERM $server
wait $server
msg=$("$leomesh" dashboard --port 0 --run 9 "$dir/raw.jsonl" 2>&1)
[ $? -eq 2 ] && [ "$(echo "$msg" | wc -l)" -eq 1 ] && ok "no such run: $msg" || bad "no such run: $msg"
rm -rf "$dir" "$trace" "$out"
finish
