#!/usr/bin/env bash
# Loopback load test: POST api/uploads (presign) against GET api/config (a trivial JSON answer)
# of the same running local app, interleaved so both see the same machine state.
#
#   bench/load.sh [rounds] [seconds] [threads] [connections]     (defaults: 3 10 2 32)
#
# Starts the local app (S3Proxy + embedded Jetty on 127.0.0.1:$PORT, default 18080) with the
# rate limit off and a large pending bound, warms it up, then alternates
# GET api/config / POST api/uploads runs of wrk, and prints each run (with the CPU time per
# request of the app's threads by kind, read from /proc, and of wrk) and the medians.
# Bounded: every wrk run has a fixed duration, and the app is stopped (by its PID) on exit.
set -euo pipefail

ROUNDS=${1:-3}
SECONDS_PER_RUN=${2:-10}
THREADS=${3:-2}
CONNECTIONS=${4:-32}
PORT=${PORT:-18080}
BASE="http://127.0.0.1:${PORT}"

if ! command -v wrk >/dev/null 2>&1; then
  echo "wrk is not installed. On Debian/Ubuntu: sudo apt-get install -y wrk" >&2
  exit 2
fi

cd "$(dirname "$0")/.."
WORK=$(mktemp -d)
APP_LOG="$WORK/app.log"
APP_PID=""
cleanup() {
  if [[ -n "$APP_PID" ]] && kill -0 "$APP_PID" 2>/dev/null; then
    kill "$APP_PID"
    wait "$APP_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "Starting the app on $BASE (log: $APP_LOG) ..."
# mvn execs java, so $! is the application's JVM.
MAVEN_OPTS="${MAVEN_OPTS:--Xms2g -Xmx2g}" PORT="$PORT" DATA_DIR="$WORK/data" \
  mvn -q test-compile exec:java \
  -Ddirect-upload.rate-limit=0 -Ddirect-upload.max-pending=50000000 -Ddirect-upload.max-pending-per-user=50000000 >"$APP_LOG" 2>&1 &
APP_PID=$!

deadline=$((SECONDS + 180))
until curl -fsS -o /dev/null "$BASE/api/config" 2>/dev/null; do
  if ! kill -0 "$APP_PID" 2>/dev/null; then
    echo "The app exited; its log:" >&2
    cat "$APP_LOG" >&2
    exit 1
  fi
  if ((SECONDS > deadline)); then
    echo "The app did not answer $BASE/api/config within 180 s" >&2
    exit 1
  fi
  sleep 1
done

status=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
  --data '{"filename":"holiday photo (1).jpg","contentType":"image/jpeg","size":3456789}' \
  "$BASE/api/uploads")
if [[ "$status" != "201" ]]; then
  echo "POST api/uploads answered $status, expected 201" >&2
  exit 1
fi

LUA="bench/post-upload.lua"
# CPU seconds (user + system, in clock ticks) the app's threads used so far, by kind:
# "jetty gc jit other". Jetty's request threads are named qtp*, G1's GC*/G1*, the JIT's C1*/C2*.
app_ticks() {
  local t name rest fields kind
  declare -A sum=([jetty]=0 [gc]=0 [jit]=0 [other]=0)
  for t in /proc/"$APP_PID"/task/*; do
    name=$(<"$t/comm") 2>/dev/null || continue
    rest=$(<"$t/stat") 2>/dev/null || continue
    read -r -a fields <<<"${rest##*) }" # fields from "state" on: utime is [11], stime [12]
    case "$name" in
      qtp*) kind=jetty ;;
      GC* | G1*) kind=gc ;;
      C1* | C2*) kind=jit ;;
      *) kind=other ;;
    esac
    sum[$kind]=$((sum[$kind] + fields[11] + fields[12]))
  done
  echo "${sum[jetty]} ${sum[gc]} ${sum[jit]} ${sum[other]}"
}
TICK_US=$((1000000 / $(getconf CLK_TCK)))
run() { # name, then wrk arguments; prints "requests/s  CPU µs per request: jetty gc jit other wrk"
  local name=$1
  shift
  local out before after TIMEFORMAT='%U %S' wrk_cpu
  before=($(app_ticks))
  { wrk_cpu=$( { time wrk -t"$THREADS" -c"$CONNECTIONS" "$@" >"$WORK/wrk.out"; } 2>&1 ); }
  after=($(app_ticks))
  out=$(<"$WORK/wrk.out")
  if grep -q "Non-2xx" <<<"$out"; then
    echo "$name: some answers were not 2xx:" >&2
    echo "$out" >&2
    exit 1
  fi
  awk -v b="${before[*]}" -v a="${after[*]}" -v w="$wrk_cpu" -v tick="$TICK_US" '
    /requests in/ {n = $1}
    /Requests\/sec/ {rps = $2}
    END {
      split(b, B, " "); split(a, A, " "); split(w, W, " ")
      printf "%s", rps
      for (i = 1; i <= 4; i++) printf " %.1f", (A[i] - B[i]) * tick / n
      printf " %.1f\n", (W[1] + W[2]) * 1e6 / n
    }' <<<"$out"
}

echo "Warm-up: 2 x 10 s of each ..."
for _ in 1 2; do
  run config -d10s "$BASE/api/config" >/dev/null
  run uploads -d10s -s "$LUA" "$BASE/api/uploads" >/dev/null
done

config=()
uploads=()
echo "CPU µs per request: the app's request threads (jetty), garbage collector (gc), JIT compiler"
echo "(jit), other threads, and wrk itself"
for round in $(seq 1 "$ROUNDS"); do
  c=($(run config -d"${SECONDS_PER_RUN}s" "$BASE/api/config"))
  u=($(run uploads -d"${SECONDS_PER_RUN}s" -s "$LUA" "$BASE/api/uploads"))
  config+=("${c[0]}")
  uploads+=("${u[0]}")
  printf 'round %d: GET api/config %9s req/s  (jetty %s gc %s jit %s other %s wrk %s)\n' \
    "$round" "${c[@]}"
  printf 'round %d: POST api/uploads %7s req/s  (jetty %s gc %s jit %s other %s wrk %s)\n' \
    "$round" "${u[@]}"
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
mc=$(median "${config[@]}")
mu=$(median "${uploads[@]}")
echo "median GET api/config:   $mc req/s"
echo "median POST api/uploads: $mu req/s"
awk -v u="$mu" -v c="$mc" 'BEGIN {printf "POST api/uploads / GET api/config = %.2f\n", u / c}'
