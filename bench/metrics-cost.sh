#!/usr/bin/env bash
# The cost of metrics on POST api/uploads (presign): two local apps side by side, one with
# metrics on (the default) and one with metrics=false, loaded in turn with the same wrk run, so
# both see the same machine state. Rounds alternate the order (on/off, off/on, ...).
#
#   bench/metrics-cost.sh [rounds] [seconds] [threads] [connections]   (defaults: 6 10 2 32)
#
# Prints each run (requests/s and the app's CPU µs per request, all its threads) and the
# medians, then stops both apps by their PIDs. Everything else as in bench/load.sh.
set -euo pipefail

ROUNDS=${1:-6}
SECONDS_PER_RUN=${2:-10}
THREADS=${3:-2}
CONNECTIONS=${4:-32}
PORT_ON=${PORT_ON:-18080}
PORT_OFF=${PORT_OFF:-18081}

if ! command -v wrk >/dev/null 2>&1; then
  echo "wrk is not installed. On Debian/Ubuntu: sudo apt-get install -y wrk" >&2
  exit 2
fi

cd "$(dirname "$0")/.."
WORK=$(mktemp -d)
PID_ON=""
PID_OFF=""
cleanup() {
  for pid in $PID_ON $PID_OFF; do
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid"
      wait "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

start() { # port, metrics on/off; echoes the PID of the app's JVM (mvn execs java)
  MAVEN_OPTS="${MAVEN_OPTS:--Xms2g -Xmx2g}" PORT="$1" DATA_DIR="$WORK/data-$1" \
    mvn -q -o test-compile exec:java -Ddirect-upload.metrics="$2" \
    -Ddirect-upload.rate-limit=0 -Ddirect-upload.max-pending=50000000 \
    -Ddirect-upload.max-pending-per-user=50000000 \
    >"$WORK/app-$1.log" 2>&1 &
  echo $!
}
await() { # port, pid
  local deadline=$((SECONDS + 180))
  until curl -fsS -o /dev/null "http://127.0.0.1:$1/api/config" 2>/dev/null; do
    if ! kill -0 "$2" 2>/dev/null; then
      echo "The app on port $1 exited; its log:" >&2
      cat "$WORK/app-$1.log" >&2
      exit 1
    fi
    if ((SECONDS > deadline)); then
      echo "The app on port $1 did not answer within 180 s" >&2
      exit 1
    fi
    sleep 1
  done
}

echo "Starting the app with metrics on (port $PORT_ON) and off (port $PORT_OFF) ..."
PID_ON=$(start "$PORT_ON" true)
await "$PORT_ON" "$PID_ON"
PID_OFF=$(start "$PORT_OFF" false)
await "$PORT_OFF" "$PID_OFF"
curl -fsS -o /dev/null "http://127.0.0.1:$PORT_ON/api/metrics"
if curl -fsS -o /dev/null "http://127.0.0.1:$PORT_OFF/api/metrics" 2>/dev/null; then
  echo "metrics=false still serves api/metrics" >&2
  exit 1
fi

LUA="bench/post-upload.lua"
ticks() { # CPU clock ticks (user + system) of every thread of process $1 so far
  local sum=0 t rest fields
  for t in /proc/"$1"/task/*; do
    rest=$(<"$t/stat") 2>/dev/null || continue
    read -r -a fields <<<"${rest##*) }"
    sum=$((sum + fields[11] + fields[12]))
  done
  echo "$sum"
}
TICK_US=$((1000000 / $(getconf CLK_TCK)))
run() { # port, pid, duration; prints "requests/s CPU-µs-per-request"
  local before after out
  before=$(ticks "$2")
  if ! out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$3" -s "$LUA" "http://127.0.0.1:$1/api/uploads" 2>&1); then
    echo "port $1: wrk failed: $out" >&2
    tail -50 "$WORK/app-$1.log" >&2
    exit 1
  fi
  after=$(ticks "$2")
  if grep -q "Non-2xx" <<<"$out"; then
    echo "port $1: some answers were not 2xx:" >&2
    echo "$out" >&2
    exit 1
  fi
  awk -v b="$before" -v a="$after" -v tick="$TICK_US" '
    /requests in/ {n = $1}
    /Requests\/sec/ {rps = $2}
    END {printf "%s %.1f\n", rps, (a - b) * tick / n}' <<<"$out"
}

echo "Warm-up: 2 x 10 s of each ..."
for _ in 1 2; do
  run "$PORT_ON" "$PID_ON" 10s >/dev/null
  run "$PORT_OFF" "$PID_OFF" 10s >/dev/null
done

on_rps=(); off_rps=(); on_cpu=(); off_cpu=()
for round in $(seq 1 "$ROUNDS"); do
  if ((round % 2)); then order="on off"; else order="off on"; fi
  for which in $order; do
    if [[ $which == on ]]; then
      r=($(run "$PORT_ON" "$PID_ON" "${SECONDS_PER_RUN}s")); on_rps+=("${r[0]}"); on_cpu+=("${r[1]}")
    else
      r=($(run "$PORT_OFF" "$PID_OFF" "${SECONDS_PER_RUN}s")); off_rps+=("${r[0]}"); off_cpu+=("${r[1]}")
    fi
    printf 'round %d: metrics %-3s %9s req/s  %6s µs CPU/request\n' "$round" "$which" "${r[0]}" "${r[1]}"
  done
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
m_on=$(median "${on_rps[@]}"); m_off=$(median "${off_rps[@]}")
c_on=$(median "${on_cpu[@]}"); c_off=$(median "${off_cpu[@]}")
echo "median metrics on:  $m_on req/s, $c_on µs CPU/request"
echo "median metrics off: $m_off req/s, $c_off µs CPU/request"
awk -v a="$m_on" -v b="$m_off" -v c="$c_on" -v d="$c_off" 'BEGIN {
  printf "throughput on/off = %.3f (%+.1f %%); CPU per request on/off = %.3f (%+.1f %%)\n",
    a / b, (a / b - 1) * 100, c / d, (c / d - 1) * 100 }'
# Each round's pair, on/off, averaged geometrically: the order alternates, so a drift of the
# machine during the run (others' builds, the JIT) cancels out, which the medians do not do.
paired() { # two arrays' values, "a1 a2 ... | b1 b2 ...": the geometric mean of a_i / b_i
  awk -v a="$1" -v b="$2" 'BEGIN {n = split(a, A, " "); split(b, B, " "); s = 0
    for (i = 1; i <= n; i++) s += log(A[i] / B[i]); printf "%.3f (%+.1f %%)", exp(s / n), (exp(s / n) - 1) * 100}'
}
echo "paired on/off, rounds averaged: throughput $(paired "${on_rps[*]}" "${off_rps[*]}"), CPU per request $(paired "${on_cpu[*]}" "${off_cpu[*]}")"
echo "the app's api/metrics after the run (request counters):"
curl -fsS "http://127.0.0.1:$PORT_ON/api/metrics" | grep '^direct_upload_requests_total' || true
