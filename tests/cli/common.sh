# Sourced by the command-line tests: $1 is the leomesh executable. Sets leomesh and agent,
# ok/bad and their counts, a private TMPDIR (whatever a launcher leaves behind shows up
# there) and a stderr file; finish prints the tally and gives the test's exit status.
set -u
bin="$(dirname "$1")"
leomesh="$bin/leomesh"
agent="$bin/leomesh-agent"
passes=0
failures=0
ok() { echo "ok:   $*"; passes=$((passes + 1)); }
bad() { echo "FAIL: $*"; failures=$((failures + 1)); }
private_tmp=$(mktemp -d)
export TMPDIR="$private_tmp"
err=$(mktemp -p /tmp)
json=$(mktemp -p /tmp)

# Waits until launcher $1 has $2 agent children; prints their pids.
agents_of() {
  for _ in $(seq 1 200); do
    pids=$(pgrep -P "$1" -f leomesh-agent || true)
    [ "$(echo "$pids" | grep -c .)" -ge "$2" ] && { echo "$pids"; return 0; }
    sleep 0.05
  done
  return 1
}

# The pid of satellite $2's agent under launcher $1 (its configuration's memory file names it).
agent_of() {
  for _ in $(seq 1 200); do
    for p in $(pgrep -P "$1" -f leomesh-agent || true); do
      case "$(readlink "/proc/$p/fd/3" 2>/dev/null)" in *"sat-$2.conf"*) echo "$p"; return 0 ;; esac
    done
    sleep 0.05
  done
  return 1
}

finish() {
  rm -rf "$private_tmp" "$err" "$json"
  echo "$passes passed, $failures failed"
  [ "$failures" -eq 0 ]
}
