#!/usr/bin/env bash
# npm run bench — Sluice beside the peers of ../shared/bench, in the same run, pinned the same way.
# Method (see ../shared/bench/README.md): wrk -t1, warm-up, RUNS runs per connection count, medians;
# proxy rows: proxy → cpu0 alone, wrk + upstream → cpu1. Only 127.0.0.1; every load run is bounded.
#
# Knobs (env): DURATION=10 RUNS=3 CONNS="50 200" WARMUP=8 ONLY='regex on row ids' SKIP_INSTALL=1
#              SKIP_PEERS=1 (no nginx/fast-gateway/Portkey rows) SOAK_REQUESTS=1000000 (0 = no soak)
#              RESULTS=path (default bench/RESULTS.md) PEERS_DIR=../shared/bench
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
DURATION=${DURATION:-10}
RUNS=${RUNS:-3}
CONNS=${CONNS:-"50 200"}
WARMUP=${WARMUP:-8}
ONLY=${ONLY:-}
SOAK_REQUESTS=${SOAK_REQUESTS:-1000000}
RESULTS=${RESULTS:-$HERE/RESULTS.md}
PEERS_DIR=${PEERS_DIR:-$ROOT/../shared/bench}
OUT=$HERE/out
RAW=$OUT/raw
T0=$(date +%s)

P_UP_A=9001; P_UP_B=9002; P_NGINX=9101; P_FASTGW=9102; P_FLOOR=9103; P_FLOOR_B=9104; P_PORTKEY=8787
P_SLUICE=9201; P_SLUICE_ADMIN=9291

log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
want() { [[ -z "$ONLY" || $1 =~ $ONLY ]]; }

# ---------------------------------------------------------------- install
if [[ -z "${SKIP_INSTALL:-}" ]]; then
  missing=()
  command -v nginx >/dev/null || missing+=(nginx-light)
  command -v wrk >/dev/null || missing+=(wrk)
  command -v curl >/dev/null || missing+=(curl)
  if ((${#missing[@]})); then
    log "apt-get install ${missing[*]}"
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
  fi
fi
for b in nginx wrk curl taskset node; do command -v $b >/dev/null || { echo "missing $b (bench needs nginx, wrk, curl, taskset)" >&2; exit 1; }; done
[[ -f $ROOT/dist/cli/main.js ]] || (cd "$ROOT" && npm run build >/dev/null)

rm -rf "$OUT"; mkdir -p "$RAW" "$OUT/tmp"
exec 2> >(tee -a "$OUT/run.log" >&2)
: > "$OUT/metrics.tsv"; : > "$OUT/rows.tsv"; : > "$OUT/checks.tsv"; : > "$OUT/paced.tsv"; : > "$OUT/soak.tsv"

PEERS=0
if [[ -z "${SKIP_PEERS:-}" && -d "$PEERS_DIR/lib" ]]; then
  # The peer harness is read-only: copy it next to our results and install its pinned packages there.
  mkdir -p "$OUT/peers"; cp -r "$PEERS_DIR/lib" "$PEERS_DIR/package.json" "$PEERS_DIR/package-lock.json" "$OUT/peers/"
  if [[ -d $HERE/.peers-cache/node_modules ]]; then cp -r "$HERE/.peers-cache/node_modules" "$OUT/peers/"; fi
  if [[ ! -d $OUT/peers/node_modules/undici ]]; then
    log "npm ci in the peer harness copy"
    (cd "$OUT/peers" && npm ci --no-audit --no-fund --loglevel=error >/dev/null 2>&1) && { mkdir -p "$HERE/.peers-cache"; cp -r "$OUT/peers/node_modules" "$HERE/.peers-cache/"; } || log "peer install failed: peer rows skipped"
  fi
  [[ -d $OUT/peers/node_modules/undici ]] && PEERS=1
fi

# ---------------------------------------------------------------- process bookkeeping
declare -A PID=(); started=(); WRK_PID=
cleanup() {
  local n
  if [[ -n $WRK_PID ]] && kill -0 "$WRK_PID" 2>/dev/null; then kill -TERM "$WRK_PID" 2>/dev/null || true; fi
  for n in "${started[@]}"; do stop "$n" || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM
start() { local name=$1 cpus=$2; shift 2; taskset -c "$cpus" "$@" >"$OUT/$name.log" 2>&1 & PID[$name]=$!; started+=("$name"); }
stop() {
  local name=$1 p=${PID[$1]:-}
  [[ -z "$p" ]] && return 0
  if kill -0 "$p" 2>/dev/null; then
    kill -TERM "$p" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null || true
  fi
  wait "$p" 2>/dev/null || true
  unset "PID[$name]"
}
tree() { local p=$1; echo "$p"; ps -o pid= --ppid "$p" | tr -d ' ' || true; }
pids_of() { local n; for n in "$@"; do tree "${PID[$n]}"; done; }
pin() { local cpus=$1 p; shift; for p in $(pids_of "$@"); do taskset -a -p -c "$cpus" "$p" >/dev/null; done; }
rss_kb() { ps -o rss= -p "$(pids_of "$@" | paste -sd,)" | awk '{s+=$1} END{print s+0}'; }
cpu_ticks() { local p t=0; for p in $(pids_of "$@"); do t=$((t + $(sed 's/^.*) //' /proc/$p/stat | awk '{print $12+$13}'))); done; echo $t; }
core_ticks() { awk '/^cpu[01] /{busy=$2+$3+$4+$7+$8; printf "%s %s %s ", busy, $9, busy+$5+$6+$9}' /proc/stat; }
wait_http() {
  local url=$1 t=$(date +%s%N); shift
  for _ in $(seq 300); do
    curl -s -o /dev/null --max-time 1 "$@" "$url" && { echo $(( ($(date +%s%N) - t) / 1000000 )); return 0; }
    sleep 0.05
  done
  echo "timeout waiting for $url" >&2; return 1
}

# ---------------------------------------------------------------- upstream configs
nginx_conf() {
  cat > "$OUT/$1.conf" <<NGX
worker_processes $2;
daemon off;
pid $OUT/$1.pid;
error_log $OUT/$1.error.log warn;
worker_rlimit_nofile 65536;
events { worker_connections 16384; }
http {
  access_log off;
  client_body_temp_path $OUT/tmp/$1-body;
  proxy_temp_path $OUT/tmp/$1-proxy;
  fastcgi_temp_path $OUT/tmp/$1-fcgi;
  uwsgi_temp_path $OUT/tmp/$1-uwsgi;
  scgi_temp_path $OUT/tmp/$1-scgi;
  keepalive_timeout 75s;
  keepalive_requests 1000000;
$3
}
NGX
}
UP_A_BODY='{"id":"bench-0001","status":"ok","message":"hello from upstream","items":[1,2,3],"ts":1700000000}'
nginx_conf nginx-upstream 1 "  server { listen 127.0.0.1:$P_UP_A backlog=4096; default_type application/json; location / { return 200 '$UP_A_BODY'; } }"
nginx_conf nginx-proxy-1w 1 "  upstream up_a { server 127.0.0.1:$P_UP_A; keepalive 256; keepalive_requests 1000000; }
  server { listen 127.0.0.1:$P_NGINX backlog=4096; location / { proxy_pass http://up_a; proxy_http_version 1.1; proxy_set_header Connection \"\"; } }"

# check ROW URL EXPECT_CODE EXPECT_BODY [curl args...]
check() {
  local row=$1 url=$2 code_want=$3 expect=$4; shift 4
  local body; body=$(curl -s --max-time 5 -w '\n%{http_code}' "$@" "$url" || true)
  local code=${body##*$'\n'}; body=${body%$'\n'*}
  printf '%s\t%s\t%s\n' "$row" "$code" "$(head -c 200 <<<"$body" | tr '\n\t' '  ')" >> "$OUT/checks.tsv"
  [[ $code == "$code_want" && $body == *"$expect"* ]] || { log "CHECK FAILED for $row: HTTP $code ${body:0:200}"; return 1; }
}

# measure ROW LABEL PINNING REF URL LOADCPU SUTNAMES [-- lua env...]
measure() {
  local row=$1 label=$2 pinning=$3 ref=$4 url=$5 loadcpu=$6 sut=$7; shift 7
  local -a lua=() envs=()
  [[ ${1:-} == -- ]] && { shift; lua=(-s "$HERE/lib/post-chat.lua"); envs=("$@"); }
  printf '%s\t%s\t%s\t%s\n' "$row" "$label" "$pinning" "$ref" >> "$OUT/rows.tsv"
  local -a suts; read -r -a suts <<<"$sut"
  local idle; idle=$(rss_kb "${suts[@]}")
  log "$row: warmup ${WARMUP}s"
  env "${envs[@]}" taskset -c "$loadcpu" wrk -t1 -c50 -d"${WARMUP}s" --timeout 10s "${lua[@]}" "$url" > "$RAW/$row.warmup.txt" 2>&1
  local c r
  for c in $CONNS; do
    for r in $(seq "$RUNS"); do
      sleep 0.5
      local raw="$RAW/$row.c$c.r$r.txt" ct0 ct1 t0 t1 peak=0 x cpu0 cpu1
      read -r -a ct0 <<<"$(core_ticks)"; cpu0=$(cpu_ticks "${suts[@]}"); t0=$(date +%s%N)
      env "${envs[@]}" taskset -c "$loadcpu" wrk -t1 -c"$c" -d"${DURATION}s" --timeout 10s --latency "${lua[@]}" "$url" > "$raw" 2>&1 &
      local wpid=$!; WRK_PID=$wpid
      while kill -0 "$wpid" 2>/dev/null; do x=$(rss_kb "${suts[@]}"); ((x > peak)) && peak=$x; sleep 1; done
      wait "$wpid" || true; WRK_PID=
      t1=$(date +%s%N); read -r -a ct1 <<<"$(core_ticks)"; cpu1=$(cpu_ticks "${suts[@]}")
      awk -v row="$row" -v c="$c" -v r="$r" -v raw="${raw#$HERE/}" -v idle="$idle" -v peak="$peak" \
          -v d0="$cpu0" -v d1="$cpu1" -v hz="$(getconf CLK_TCK)" -v w="$(( (t1 - t0) / 1000 ))" \
          -v b0="${ct0[0]}" -v s0="${ct0[1]}" -v a0="${ct0[2]}" -v b1="${ct0[3]}" -v s1="${ct0[4]}" -v a1="${ct0[5]}" \
          -v B0="${ct1[0]}" -v S0="${ct1[1]}" -v A0="${ct1[2]}" -v B1="${ct1[3]}" -v S1="${ct1[4]}" -v A1="${ct1[5]}" 'BEGIN{
            sut = 100 * (d1 - d0) / hz / (w / 1e6)
            c0 = (A0 > a0) ? 100 * (B0 - b0) / (A0 - a0) : 0; t0 = (A0 > a0) ? 100 * (S0 - s0) / (A0 - a0) : 0
            c1 = (A1 > a1) ? 100 * (B1 - b1) / (A1 - a1) : 0; t1 = (A1 > a1) ? 100 * (S1 - s1) / (A1 - a1) : 0
            printf "%s\t%s\t%s\t%s\t%d\t%d\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\n", row, c, r, raw, idle, peak, sut, c0, c1, t0, t1 }' >> "$OUT/metrics.tsv"
      log "$row c=$c run $r: $(grep -E 'Requests/sec' "$raw" | tr -s ' ' || echo 'no result')"
    done
  done
}

# rps_of ROW : median req/s at c=50 of a measured row
rps_of() { grep -h 'Requests/sec' "$RAW/$1".c50.r*.txt 2>/dev/null | awk '{print $2}' | sort -n | awk '{a[NR]=$1} END{if (NR) print a[int((NR+1)/2)]; else print 0}'; }

# paced ROW URL RATE LOADCPU : latency at a fixed offered rate (wrk + lib/paced.lua)
paced() {
  local row=$1 url=$2 rate=$3 loadcpu=$4 r
  for r in $(seq "$RUNS"); do
    sleep 0.5
    RATE=$rate CONNS_N=50 taskset -c "$loadcpu" wrk -t1 -c50 -d"${DURATION}s" --timeout 10s --latency -s "$HERE/lib/paced.lua" "$url" > "$RAW/$row.paced.r$r.txt" 2>&1
    printf '%s\t%s\t%s\t%s\n' "$row" "$rate" "$r" "raw/$row.paced.r$r.txt" >> "$OUT/paced.tsv"
  done
  log "$row paced at $rate req/s: $(grep -E '^ +50%|^ +99%' "$RAW/$row.paced.r$RUNS.txt" | tr -s ' ' | tr '\n' ' ')"
}

SLUICE_CMD=(node "$ROOT/dist/cli/main.js" start --port $P_SLUICE --admin-port $P_SLUICE_ADMIN --host 127.0.0.1 --data "$OUT/sluice-data" --log-level warn)

# sluice_start NAME CONFIG [extra args...]
sluice_start() { local name=$1 cfg=$2; shift 2; rm -rf "$OUT/sluice-data"; start "$name" 0 "${SLUICE_CMD[@]}" --config "$HERE/configs/$cfg" "$@"; log "$name ready in $(wait_http "http://127.0.0.1:$P_SLUICE_ADMIN/status") ms"; }

A_PATH=/api/hello
PIN_DIRECT='wrk→cpu1, upstream→cpu0'
PIN_PROXY='wrk+upstream→cpu1, proxy→cpu0'

# ---------------------------------------------------------------- upstreams
log "starting upstreams"
start up_a 0-1 nginx -p "$OUT" -c "$OUT/nginx-upstream.conf"
wait_http "http://127.0.0.1:$P_UP_A/" >/dev/null
check upstream-a "http://127.0.0.1:$P_UP_A$A_PATH" 200 '"hello from upstream"'

if want direct-a; then
  pin 0 up_a
  measure direct-a 'direct → upstream (a) nginx' "$PIN_DIRECT" - "http://127.0.0.1:$P_UP_A$A_PATH" 1 up_a
fi
pin 1 up_a

# proxy_row ROW LABEL PROCNAME PORT EXPECT_CODE EXPECT CMD... : start in front of (a), check, measure, stop
proxy_row() {
  local row=$1 label=$2 name=$3 port=$4 code=$5 expect=$6; shift 6
  want "$row" || return 0
  start "$name" 0 "$@"
  log "$row ready in $(wait_http "http://127.0.0.1:$port$A_PATH") ms"
  if check "$row" "http://127.0.0.1:$port$A_PATH" "$code" "$expect"; then
    measure "$row" "$label" "$PIN_PROXY" node-floor "http://127.0.0.1:$port$A_PATH" 1 "$name"
  fi
  stop "$name"
}

if ((PEERS)); then
  proxy_row nginx-1w 'nginx proxy, 1 worker' nginx_1w $P_NGINX 200 '"hello from upstream"' nginx -p "$OUT" -c "$OUT/nginx-proxy-1w.conf"
  proxy_row node-floor 'Node floor (node:http + undici Pool)' floor $P_FLOOR 200 '"hello from upstream"' env PORT=$P_FLOOR UPSTREAM=http://127.0.0.1:$P_UP_A node "$OUT/peers/lib/node-floor-proxy.js"
  proxy_row fast-gateway 'fast-gateway 5.0.1' fastgw $P_FASTGW 200 '"hello from upstream"' env PORT=$P_FASTGW UPSTREAM=http://127.0.0.1:$P_UP_A node "$OUT/peers/lib/fast-gateway.js"
fi

# sluice_row ROW LABEL CONFIG CODE EXPECT [extra sluice args]
sluice_row() {
  local row=$1 label=$2 cfg=$3 code=$4 expect=$5; shift 5
  want "$row" || return 0
  [[ -f $HERE/configs/$cfg ]] || { log "$row: no config $cfg, skipped"; return 0; }
  sluice_start sluice "$cfg" "$@"
  if check "$row" "http://127.0.0.1:$P_SLUICE$A_PATH" "$code" "$expect"; then
    measure "$row" "$label" "$PIN_PROXY" node-floor "http://127.0.0.1:$P_SLUICE$A_PATH" 1 sluice
  fi
  stop sluice
}

sluice_row sluice-none 'Sluice, no policy' none.yaml 200 '"hello from upstream"'
sluice_row sluice-policies 'Sluice, ip-restriction + request-size (allow)' policies.yaml 200 '"hello from upstream"'
sluice_row sluice-deny 'Sluice, denial path (ip-restriction → 403)' deny.yaml 403 '"ip.denied"'

# ---------------------------------------------------------------- latency at half of Sluice's max load
if want paced; then
  half=$(awk -v r="$(rps_of sluice-none)" 'BEGIN{printf "%d", r/2}')
  if ((half > 0)); then
    log "paced latency at $half req/s (half of Sluice's c=50 throughput)"
    paced direct-a-paced "http://127.0.0.1:$P_UP_A$A_PATH" "$half" 1
    if ((PEERS)); then
      start floor 0 env PORT=$P_FLOOR UPSTREAM=http://127.0.0.1:$P_UP_A node "$OUT/peers/lib/node-floor-proxy.js"; wait_http "http://127.0.0.1:$P_FLOOR$A_PATH" >/dev/null
      taskset -c 1 wrk -t1 -c50 -d"${WARMUP}s" "http://127.0.0.1:$P_FLOOR$A_PATH" >/dev/null 2>&1
      paced node-floor-paced "http://127.0.0.1:$P_FLOOR$A_PATH" "$half" 1; stop floor
    fi
    sluice_start sluice none.yaml
    taskset -c 1 wrk -t1 -c50 -d"${WARMUP}s" "http://127.0.0.1:$P_SLUICE$A_PATH" >/dev/null 2>&1
    paced sluice-none-paced "http://127.0.0.1:$P_SLUICE$A_PATH" "$half" 1; stop sluice
  fi
fi

# ---------------------------------------------------------------- RSS over SOAK_REQUESTS requests
if want soak && ((SOAK_REQUESTS > 0)); then
  rps=$(rps_of sluice-none); [[ $rps == 0 ]] && rps=5000
  secs=$(awk -v n="$SOAK_REQUESTS" -v r="$rps" 'BEGIN{printf "%d", n/r + 1}')
  sluice_start sluice none.yaml
  log "soak: ~$SOAK_REQUESTS requests over ${secs}s, RSS sampled every 5 s"
  taskset -c 1 wrk -t1 -c50 -d"${secs}s" --timeout 10s "http://127.0.0.1:$P_SLUICE$A_PATH" > "$RAW/soak.txt" 2>&1 &
  WRK_PID=$!; s0=$(date +%s)
  while kill -0 "$WRK_PID" 2>/dev/null; do printf '%s\t%s\n' "$(( $(date +%s) - s0 ))" "$(rss_kb sluice)" >> "$OUT/soak.tsv"; sleep 5; done
  wait "$WRK_PID" || true; WRK_PID=
  stop sluice
fi

stop up_a

{
  echo "date=$(date -u '+%Y-%m-%d %H:%M:%S UTC')"; echo "nproc=$(nproc)"
  echo "cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)"; echo "mem=$(free -g | awk '/^Mem:/{print $2" GiB"}')"
  echo "kernel=$(uname -r)"; echo "node=$(node --version)"; echo "nginx=$(nginx -v 2>&1 | sed 's/^nginx version: //')"
  echo "wrk=$(wrk -v 2>&1 | head -1 | awk '{print $1" "$2}')"; echo "sluice=$(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo "elapsed_s=$(( $(date +%s) - T0 ))"; echo "duration=$DURATION"; echo "runs=$RUNS"; echo "conns=$CONNS"; echo "warmup=$WARMUP"
  echo "soak_requests=$SOAK_REQUESTS"; echo "peers=$PEERS"
} > "$OUT/facts.txt"
node "$HERE/lib/report.mjs" "$OUT" "$RESULTS"
log "done in $(( $(date +%s) - T0 ))s; table in ${RESULTS#$ROOT/}"
