#!/usr/bin/env bash
# npm run bench — Sluice beside the peers of ../shared/bench, in the same run, pinned the same way.
# Method (see ../shared/bench/README.md): wrk -t1, warm-up, RUNS runs per connection count, medians;
# proxy rows: proxy → cpu0 alone, wrk + upstream → cpu1. Only 127.0.0.1; every load run is bounded.
#
# Expected duration at the defaults on this 2-core VM (quiet): ≈ 33 min — 20 load rows × ≈ 75 s
# [WARMUP + 2 conns × RUNS × (DURATION + ~0.8 s) + start], ≈ 3.5 min of latency at half load (6 paced
# rows × RUNS × DURATION), ≈ 2.7 min of soak over 1M requests, ≈ 1 min of 100k streamed requests,
# ≈ 0.5 min of first-chunk latency (Portkey's 25 ms first-event sleep dominates), ≈ 0.3 min of
# micro-benchmarks. RUNS=2 takes ≈ 25 min, RUNS=1 ≈ 17 min. A first run also installs the peers
# (npm ci, ≈ 15 s; cached in bench/.peers-cache). Every wrk run is bounded by -d; nothing waits unbounded.
#
# Rows (ids for ONLY, a regex matched against each id):
#   plain, upstream (a) nginx on :9001, GET /api/hello:
#     direct-a nginx-1w node-floor fast-gateway                               (peers)
#     sluice-none sluice-policies sluice-deny                                 (foundation, issue 2)
#     sluice-keyauth-rl sluice-keyauth-rl-redis sluice-keyauth-deny           (policies, issue 3)
#     sluice-logging-off                                                      (observability, issue 6)
#     direct-a-paced node-floor-paced sluice-none-paced   latency at half of sluice-none's max load
#     soak                                                RSS over SOAK_REQUESTS requests (sluice-none)
#   paired ratios, two processes up at once, PAIR_RUNS interleaved runs A, B, A, B… at c=C0 (see pair()):
#     pair-floor (node-floor, sluice-none)  pair-logging (sluice-logging-off, sluice-none)
#     pair-keyauth-rl (sluice-none, sluice-keyauth-rl)  pair-keyauth-rl-redis (sluice-none, + Redis)
#     pair-ai (node-floor-b, sluice-ai-openai)
#   LLM, POST /v1/chat/completions, upstream (b) mock OpenAI :9002, (c) mock Anthropic :9003:
#     direct-b direct-b-stream node-floor-b node-floor-b-stream portkey portkey-stream       (peers)
#     sluice-ai-openai sluice-ai-openai-stream sluice-ai-anthropic                          (issue 4)
#     direct-b-paced node-floor-b-paced sluice-ai-openai-paced  latency at half of sluice-ai-openai's load
#     ttfb            first-chunk latency, N sequential requests (lib/ttfb.mjs)
#     soak-ai-stream  RSS over SOAK_AI_REQUESTS streamed requests (sluice-ai-openai-stream)
#   micro           bench/micro/stream-translate.mjs on dist/, pinned to cpu0
# Every Sluice row runs with call logging and analytics on (the default) except sluice-logging-off.
#
# Knobs (env): DURATION=10 RUNS=3 CONNS="50 200" WARMUP=8 PK_WARMUP=20 ONLY='regex on row ids'
#              SKIP_INSTALL=1 (no apt-get, no npm) SKIP_PEERS=1 (no nginx-1w/node-floor/fast-gateway/
#              Portkey rows; the mocks still run) SOAK_REQUESTS=1000000 SOAK_AI_REQUESTS=100000 (0 = none)
#              TTFB_REQUESTS=200 MICRO_SECONDS=1 PAIR_RUNS=9 PAIR_DURATION=5 RESULTS=path (default bench/RESULTS.md)
#              PEERS_DIR=../shared/bench REDIS_URL=redis://127.0.0.1:6379
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
DURATION=${DURATION:-10}
RUNS=${RUNS:-3}
CONNS=${CONNS:-"50 200"}
WARMUP=${WARMUP:-8}
PK_WARMUP=${PK_WARMUP:-20}   # Portkey's large bundle keeps getting faster for ~30 s of load (peer README)
ONLY=${ONLY:-}
SOAK_REQUESTS=${SOAK_REQUESTS:-1000000}
SOAK_AI_REQUESTS=${SOAK_AI_REQUESTS:-100000}
TTFB_REQUESTS=${TTFB_REQUESTS:-200}
MICRO_SECONDS=${MICRO_SECONDS:-1}
PAIR_RUNS=${PAIR_RUNS:-9}
# Pair runs are shorter than row runs: this VM drifts within seconds, and a ratio of two runs taken
# 5 s apart tracks it better than one of runs 10 s apart (9 ratios of 5 s: about the time of 5 of 10 s).
PAIR_DURATION=${PAIR_DURATION:-5}
RESULTS=${RESULTS:-$HERE/RESULTS.md}
PEERS_DIR=${PEERS_DIR:-$ROOT/../shared/bench}
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
OUT=$HERE/out
RAW=$OUT/raw
T0=$(date +%s)
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
C0=${CONNS%% *}   # the connection count whose median sets the paced rates and soak lengths

P_UP_A=9001; P_UP_B=9002; P_UP_C=9003; P_NGINX=9101; P_FASTGW=9102; P_FLOOR=9103; P_FLOOR_B=9104; P_PORTKEY=8787
P_SLUICE=9201; P_SLUICE_ADMIN=9291; P_SLUICE2=9202; P_SLUICE2_ADMIN=9292

log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
want() { [[ -z "$ONLY" || $1 =~ $ONLY ]]; }
want_any() { local r; for r in "$@"; do want "$r" && return 0; done; return 1; }

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
for f in metrics rows checks paced soak soaks ttfb; do : > "$OUT/$f.tsv"; done

# The peer harness is read-only: copy it next to our results. Its mocks and wrk script need no
# install; its proxies are installed (npm ci of its lockfile) once into bench/.peers-cache/<hash>.
# A failed full install is retried without Portkey, so only Portkey's rows are lost.
PEERS=0; PORTKEY=0; PEER_LIB=
if [[ -d $PEERS_DIR/lib ]]; then
  mkdir -p "$OUT/peers"; cp -r "$PEERS_DIR/lib" "$PEERS_DIR/package.json" "$PEERS_DIR/package-lock.json" "$OUT/peers/"
  chmod -R u+w "$OUT/peers"
  PEER_LIB=$OUT/peers/lib
fi
install_peers() {
  local key cache tmp
  key=$(cat "$OUT/peers/package.json" "$OUT/peers/package-lock.json" | sha256sum | cut -c1-16)
  cache=$HERE/.peers-cache/$key
  if [[ ! -d $cache/full/node_modules && -z ${SKIP_INSTALL:-} ]]; then
    tmp=$HERE/.peers-cache/tmp-$$; rm -rf "$tmp"; mkdir -p "$tmp"; cp "$OUT/peers/package.json" "$OUT/peers/package-lock.json" "$tmp/"
    log "npm ci in a copy of the peer harness (cached in bench/.peers-cache/$key)"
    if (cd "$tmp" && timeout 900 npm ci --no-audit --no-fund --loglevel=error) > "$OUT/peers-install.log" 2>&1; then
      mkdir -p "$cache"; rm -rf "$cache/full"; mv "$tmp" "$cache/full"
    elif [[ ! -d $cache/no-portkey/node_modules ]]; then
      log "peer install failed (bench/out/peers-install.log); installing the peers without Portkey"
      rm -rf "$tmp/node_modules"
      node -e 'const f=process.argv[1], p=JSON.parse(require("fs").readFileSync(f)); delete p.dependencies["@portkey-ai/gateway"]; require("fs").writeFileSync(f, JSON.stringify(p, null, 2));' "$tmp/package.json"
      if (cd "$tmp" && timeout 900 npm install --no-audit --no-fund --loglevel=error) >> "$OUT/peers-install.log" 2>&1; then
        mkdir -p "$cache"; mv "$tmp" "$cache/no-portkey"
      else
        log "peer install failed again: peer rows skipped"
      fi
    else
      log "peer install failed (bench/out/peers-install.log); using the cached install without Portkey"
    fi
    rm -rf "$tmp"
  fi
  if [[ -d $cache/full/node_modules ]]; then ln -s "$cache/full/node_modules" "$OUT/peers/node_modules"
  elif [[ -d $cache/no-portkey/node_modules ]]; then ln -s "$cache/no-portkey/node_modules" "$OUT/peers/node_modules"; fi
}
if [[ -n $PEER_LIB && -z "${SKIP_PEERS:-}" ]]; then
  install_peers
  [[ -f $OUT/peers/node_modules/undici/package.json ]] && PEERS=1
  [[ -f $OUT/peers/node_modules/@portkey-ai/gateway/build/start-server.js ]] && PORTKEY=1
  ((PEERS)) || log "peers not installed: nginx-1w, node-floor*, fast-gateway, portkey* skipped"
  ((PEERS && !PORTKEY)) && log "Portkey not installed: portkey rows skipped"
fi

# ---------------------------------------------------------------- process bookkeeping
declare -A PID=(); started=(); WRK_PID=; REDIS_PREFIX=
# redis_clean : delete the keys of this run's rate-limit row (its own prefix) from the shared Redis
redis_clean() { timeout 20 redis-cli -u "$REDIS_URL" --scan --pattern "$REDIS_PREFIX*" | xargs -r timeout 20 redis-cli -u "$REDIS_URL" del >/dev/null; }
cleanup() {
  local n
  if [[ -n $WRK_PID ]] && kill -0 "$WRK_PID" 2>/dev/null; then kill -TERM "$WRK_PID" 2>/dev/null || true; fi
  for n in "${started[@]}"; do stop "$n" || true; done
  if [[ -n $REDIS_PREFIX ]]; then redis_clean || true; fi
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

CHAT='{"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are a benchmark."},{"role":"user","content":"Say hello in one short sentence."}],"max_tokens":32}'
CHAT_STREAM=${CHAT%\}}',"stream":true}'
POST_HDRS=(-H 'content-type: application/json' -H 'authorization: Bearer sk-bench-not-a-real-key')
PK_HOST="http://127.0.0.1:$P_UP_B/v1"
PK_HDRS=(-H "x-portkey-provider: openai" -H "x-portkey-custom-host: $PK_HOST")
KEY_OK='sk-bench-not-a-real-key'      # sha256 in configs/keyauth-rl.yaml and ai-*.yaml
KEY_UNKNOWN='sk-bench-unknown-key-0000'

# check ROW URL EXPECT_CODE EXPECT_BODY [curl args...] : one request must answer as expected before load
#   CHECK_HEADER=regex (optional): a response header line must match it (case-insensitive)
check() {
  local row=$1 url=$2 code_want=$3 expect=$4; shift 4
  local body hdrs="$OUT/tmp/check-headers.txt"; body=$(curl -s --max-time 5 -D "$hdrs" -w '\n%{http_code}' "$@" "$url" || true)
  local code=${body##*$'\n'}; body=${body%$'\n'*}
  local ndata; ndata=$(grep -c '^data:' <<<"$body" || true)
  printf '%s\t%s\t%s\t%s\n' "$row" "$code" "$ndata" "$(head -c 200 <<<"$body" | tr '\n\t' '  ')" >> "$OUT/checks.tsv"
  if [[ -n ${CHECK_HEADER:-} ]] && ! grep -qiE "$CHECK_HEADER" "$hdrs"; then log "CHECK FAILED for $row: no response header matching /$CHECK_HEADER/"; return 1; fi
  [[ $code == "$code_want" && $body == *"$expect"* ]] || { log "CHECK FAILED for $row: HTTP $code ${body:0:200}"; return 1; }
}

# measure ROW LABEL PINNING GROUP REF URL LOADCPU SUTNAMES [wrk args...] [-- lua env...]
#   GROUP: plain | llm | llm-stream (the table it goes in); REF: row id of its 100 % (or -)
#   `--` switches to POST /v1/chat/completions via the peer harness's post-chat.lua, with env (STREAM=1…)
measure() {
  local row=$1 label=$2 pinning=$3 group=$4 ref=$5 url=$6 loadcpu=$7 sut=$8; shift 8
  local -a wargs=() lua=() envs=()
  while (($#)) && [[ $1 != -- ]]; do wargs+=("$1"); shift; done
  [[ ${1:-} == -- ]] && { shift; lua=(-s "$PEER_LIB/post-chat.lua"); envs=("$@"); }
  printf '%s\t%s\t%s\t%s\t%s\n' "$row" "$label" "$pinning" "$group" "$ref" >> "$OUT/rows.tsv"
  local -a suts; read -r -a suts <<<"$sut"
  local idle; idle=$(rss_kb "${suts[@]}")
  local wu=${ROW_WARMUP:-$WARMUP}
  log "$row: warmup ${wu}s"
  env "${envs[@]}" taskset -c "$loadcpu" wrk -t1 -c50 -d"${wu}s" --timeout 10s "${wargs[@]}" "${lua[@]}" "$url" > "$RAW/$row.warmup.txt" 2>&1
  local c r
  for c in $CONNS; do
    for r in $(seq "$RUNS"); do
      sleep 0.5
      local raw="$RAW/$row.c$c.r$r.txt" ct0 ct1 t0 t1 peak=0 x cpu0 cpu1 i=0
      read -r -a ct0 <<<"$(core_ticks)"; cpu0=$(cpu_ticks "${suts[@]}"); t0=$(date +%s%N)
      env "${envs[@]}" taskset -c "$loadcpu" wrk -t1 -c"$c" -d"${DURATION}s" --timeout 10s --latency "${wargs[@]}" "${lua[@]}" "$url" > "$raw" 2>&1 &
      local wpid=$!; WRK_PID=$wpid
      # RSS sampled once a second; the end of wrk is noticed within 0.2 s.
      while kill -0 "$wpid" 2>/dev/null; do
        if ((i++ % 5 == 0)); then x=$(rss_kb "${suts[@]}"); ((x > peak)) && peak=$x; fi
        sleep 0.2
      done
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

# rps_of ROW : median req/s at c=C0 of a measured row (0 when it was not measured)
rps_of() { grep -h 'Requests/sec' "$RAW/$1".c"$C0".r*.txt 2>/dev/null | awk '{print $2}' | sort -n | awk '{a[NR]=$1} END{if (NR) print a[int((NR+1)/2)]; else print 0}'; }
half_of() { awk -v r="$(rps_of "$1")" 'BEGIN{printf "%d", r/2}'; }

# paced ROW URL RATE LOADCPU [wrk args...] [-- lua env...] : latency at a fixed offered rate (lib/paced.lua)
paced() {
  local row=$1 url=$2 rate=$3 loadcpu=$4 r; shift 4
  local -a wargs=() lua=(-s "$HERE/lib/paced.lua") envs=()
  while (($#)) && [[ $1 != -- ]]; do wargs+=("$1"); shift; done
  if [[ ${1:-} == -- ]]; then shift; lua=(-s "$HERE/lib/paced-chat.lua"); envs=(POST_CHAT_LUA="$PEER_LIB/post-chat.lua" PACED_LUA="$HERE/lib/paced.lua" "$@"); fi
  for r in $(seq "$RUNS"); do
    sleep 0.5
    env "${envs[@]}" RATE="$rate" CONNS_N=50 taskset -c "$loadcpu" wrk -t1 -c50 -d"${DURATION}s" --timeout 10s --latency "${wargs[@]}" "${lua[@]}" "$url" > "$RAW/$row.paced.r$r.txt" 2>&1
    printf '%s\t%s\t%s\t%s\n' "$row" "$rate" "$r" "raw/$row.paced.r$r.txt" >> "$OUT/paced.tsv"
  done
  log "$row paced at $rate req/s: $(grep -E '^ +50%|^ +99%' "$RAW/$row.paced.r$RUNS.txt" | tr -s ' ' | tr '\n' ' ')"
}

# soak ROW LABEL NAME URL REQUESTS RATE WARM_S [wrk args...] [-- lua env...] : RSS of NAME over ~REQUESTS requests
soak() {
  local row=$1 label=$2 name=$3 url=$4 n=$5 rate=$6 warm=$7; shift 7
  local -a wargs=() lua=() envs=()
  while (($#)) && [[ $1 != -- ]]; do wargs+=("$1"); shift; done
  [[ ${1:-} == -- ]] && { shift; lua=(-s "$PEER_LIB/post-chat.lua"); envs=("$@"); }
  # 50 % more time than REQUESTS at RATE (the c=C0 median of the row), so that at least REQUESTS are
  # sent: a fresh process on this VM ran 20 % under its row's median (858,707 of 1M with 10 % more).
  local secs every; secs=$(awk -v n="$n" -v r="$rate" 'BEGIN{printf "%d", 1.5 * n / r + 1}')
  every=$(( secs >= 100 ? 5 : 2 ))
  printf '%s\t%s\t%s\t%s\n' "$row" "$label" "$warm" "$n" >> "$OUT/soaks.tsv"
  log "$row: ~$n requests over ${secs}s, RSS sampled every ${every} s"
  env "${envs[@]}" taskset -c 1 wrk -t1 -c50 -d"${secs}s" --timeout 10s "${wargs[@]}" "${lua[@]}" "$url" > "$RAW/$row.txt" 2>&1 &
  WRK_PID=$!; local s0; s0=$(date +%s)
  while kill -0 "$WRK_PID" 2>/dev/null; do printf '%s\t%s\t%s\n' "$row" "$(( $(date +%s) - s0 ))" "$(rss_kb "$name")" >> "$OUT/soak.tsv"; sleep "$every"; done
  wait "$WRK_PID" || true; WRK_PID=
}

# ttfb ROW MODE PINNING URL [header:value...] : first-chunk latency over TTFB_REQUESTS sequential requests
ttfb() {
  local row=$1 mode=$2 pinning=$3 url=$4; shift 4
  local res; res=$(STREAM=$([[ $mode == stream ]] && echo 1 || echo 0) taskset -c 1 node "$HERE/lib/ttfb.mjs" "$url" "$TTFB_REQUESTS" "$@" 2>>"$OUT/ttfb.log" || echo '{}')
  printf '%s\t%s\t%s\t%s\n' "$row" "$mode" "$pinning" "$res" >> "$OUT/ttfb.tsv"
  log "ttfb $row $mode ($pinning): $res"
}
# ttfb_proxy ROW NAME URL [header:value...] : stream + non-stream, proxy on cpu0 and on cpu1 with the rest
ttfb_proxy() {
  local row=$1 name=$2 url=$3; shift 3
  want ttfb || return 0
  ttfb "$row" stream split "$url" "$@"; ttfb "$row" nonstream split "$url" "$@"
  pin 1 "$name"
  ttfb "$row" stream same-core "$url" "$@"; ttfb "$row" nonstream same-core "$url" "$@"
  pin 0 "$name"
}

SLUICE_CMD=(env -u SLUICE_REDIS -u SLUICE_STORE -u SLUICE_CONFIG -u SLUICE_DATA node "$ROOT/dist/cli/main.js" start --port $P_SLUICE --admin-port $P_SLUICE_ADMIN --host 127.0.0.1 --data "$OUT/sluice-data" --log-level warn)

# sluice_start NAME CONFIG [extra args...]
sluice_start() { local name=$1 cfg=$2; shift 2; rm -rf "$OUT/sluice-data"; start "$name" 0 "${SLUICE_CMD[@]}" --config "$HERE/configs/$cfg" "$@"; log "$name ($cfg${*:+ $*}) ready in $(wait_http "http://127.0.0.1:$P_SLUICE_ADMIN/status") ms"; }
# sluice_start2 NAME CONFIG [extra args...] : a second Sluice beside the first (pairs), own ports and data
sluice_start2() {
  local name=$1 cfg=$2; shift 2; rm -rf "$OUT/sluice-data-2"
  start "$name" 0 "${SLUICE_CMD[@]}" --port $P_SLUICE2 --admin-port $P_SLUICE2_ADMIN --data "$OUT/sluice-data-2" --config "$HERE/configs/$cfg" "$@"
  log "$name ($cfg${*:+ $*}) ready in $(wait_http "http://127.0.0.1:$P_SLUICE2_ADMIN/status") ms"
}
# scrape ROW : Sluice's Prometheus metrics after a row (call-log records, denials, tokens), for the report
scrape() { sleep 1; curl -s --max-time 10 "http://127.0.0.1:$P_SLUICE_ADMIN/metrics" > "$RAW/$1.metrics.txt" 2>/dev/null || log "$1: no /metrics"; }

A_PATH=/api/hello
B_URL=/v1/chat/completions
PIN_DIRECT='wrk→cpu1, upstream→cpu0'
PIN_PROXY='wrk+upstream→cpu1, proxy→cpu0'

# ---------------------------------------------------------------- upstreams
log "starting upstreams"
start up_a 0-1 nginx -p "$OUT" -c "$OUT/nginx-upstream.conf"
wait_http "http://127.0.0.1:$P_UP_A/" >/dev/null
check upstream-a "http://127.0.0.1:$P_UP_A$A_PATH" 200 '"hello from upstream"'
LLM=0
if [[ -n $PEER_LIB ]]; then
  start up_b 0-1 env PORT=$P_UP_B node "$PEER_LIB/mock-openai.js"
  start up_c 0-1 env PORT=$P_UP_C node "$HERE/lib/mock-anthropic.mjs"
  wait_http "http://127.0.0.1:$P_UP_B/v1/models" >/dev/null
  wait_http "http://127.0.0.1:$P_UP_C/" >/dev/null
  check upstream-b "http://127.0.0.1:$P_UP_B$B_URL" 200 '"chat.completion"' "${POST_HDRS[@]}" -d "$CHAT" &&
    check upstream-b-stream "http://127.0.0.1:$P_UP_B$B_URL" 200 'data: [DONE]' "${POST_HDRS[@]}" -d "$CHAT_STREAM" &&
    check upstream-c "http://127.0.0.1:$P_UP_C/v1/messages" 200 '"type":"message"' -H 'x-api-key: sk-ant-upstream-bench' -H 'anthropic-version: 2023-06-01' -d "$CHAT" &&
    check upstream-c-stream "http://127.0.0.1:$P_UP_C/v1/messages" 200 'event: message_stop' -H 'x-api-key: sk-ant-upstream-bench' -H 'anthropic-version: 2023-06-01' -d "$CHAT_STREAM" &&
    LLM=1
  pin 1 up_b up_c
else
  log "no peer harness at $PEERS_DIR: LLM rows skipped (they need its mock OpenAI and post-chat.lua)"
fi

# ================================================================ plain HTTP (upstream a)
if want direct-a; then
  pin 0 up_a
  measure direct-a 'direct → upstream (a) nginx' "$PIN_DIRECT" plain - "http://127.0.0.1:$P_UP_A$A_PATH" 1 up_a
fi
pin 1 up_a

# proxy_row ROW LABEL PROCNAME PORT EXPECT_CODE EXPECT CMD... : start in front of (a), check, measure, stop
proxy_row() {
  local row=$1 label=$2 name=$3 port=$4 code=$5 expect=$6; shift 6
  want "$row" || return 0
  start "$name" 0 "$@"
  log "$row ready in $(wait_http "http://127.0.0.1:$port$A_PATH") ms"
  if check "$row" "http://127.0.0.1:$port$A_PATH" "$code" "$expect"; then
    measure "$row" "$label" "$PIN_PROXY" plain node-floor "http://127.0.0.1:$port$A_PATH" 1 "$name"
  fi
  stop "$name"
}

if ((PEERS)); then
  proxy_row nginx-1w 'nginx proxy, 1 worker' nginx_1w $P_NGINX 200 '"hello from upstream"' nginx -p "$OUT" -c "$OUT/nginx-proxy-1w.conf"
  proxy_row node-floor 'Node floor (node:http + undici Pool)' floor $P_FLOOR 200 '"hello from upstream"' env PORT=$P_FLOOR UPSTREAM=http://127.0.0.1:$P_UP_A node "$PEER_LIB/node-floor-proxy.js"
  proxy_row fast-gateway 'fast-gateway 5.0.1' fastgw $P_FASTGW 200 '"hello from upstream"' env PORT=$P_FASTGW UPSTREAM=http://127.0.0.1:$P_UP_A node "$PEER_LIB/fast-gateway.js"
fi

# sluice_row ROW LABEL CONFIG CODE EXPECT [extra sluice args] : one Sluice process, one row on (a)
#   REQ_HDRS=(-H 'k: v'…) are sent by the check and by wrk; CHECK_HEADER as for check
REQ_HDRS=()
sluice_row() {
  local row=$1 label=$2 cfg=$3 code=$4 expect=$5; shift 5
  want "$row" || return 0
  [[ -f $HERE/configs/$cfg ]] || { log "$row: no config $cfg, skipped"; return 0; }
  sluice_start sluice "$cfg" "$@"
  if check "$row" "http://127.0.0.1:$P_SLUICE$A_PATH" "$code" "$expect" "${REQ_HDRS[@]}"; then
    measure "$row" "$label" "$PIN_PROXY" plain node-floor "http://127.0.0.1:$P_SLUICE$A_PATH" 1 sluice "${REQ_HDRS[@]}"
    scrape "$row"
  fi
  stop sluice
}

sluice_row sluice-none 'Sluice, no policy' none.yaml 200 '"hello from upstream"'
sluice_row sluice-policies 'Sluice, ip-restriction + request-size (allow)' policies.yaml 200 '"hello from upstream"'
sluice_row sluice-deny 'Sluice, denial path (ip-restriction → 403)' deny.yaml 403 '"ip.denied"'
sluice_row sluice-logging-off 'Sluice, no policy, call logging off' logging-off.yaml 200 '"hello from upstream"'

REQ_HDRS=(-H "x-api-key: $KEY_OK"); CHECK_HEADER='^ratelimit:'
sluice_row sluice-keyauth-rl 'Sluice, key-auth + rate-limit (memory)' keyauth-rl.yaml 200 '"hello from upstream"'
if want sluice-keyauth-rl-redis; then
  if [[ $(timeout 3 redis-cli -u "$REDIS_URL" ping 2>/dev/null) == PONG ]]; then
    REDIS_PREFIX="sluice-bench:$$-$RANDOM:"
    sluice_row sluice-keyauth-rl-redis 'Sluice, key-auth + rate-limit (Redis, unpinned shared server)' keyauth-rl.yaml 200 '"hello from upstream"' --redis "$REDIS_URL?prefix=$REDIS_PREFIX"
    redis_clean || true; REDIS_PREFIX=
  else
    log "sluice-keyauth-rl-redis: no Redis answering at $REDIS_URL, skipped"
  fi
fi
REQ_HDRS=(-H "x-api-key: $KEY_UNKNOWN"); CHECK_HEADER='^www-authenticate:'
sluice_row sluice-keyauth-deny 'Sluice, key-auth denial (unknown key → 401)' keyauth-rl.yaml 401 '"auth.key_unknown"'
REQ_HDRS=(); CHECK_HEADER=

# ---------------------------------------------------------------- latency at half of Sluice's max load
if want_any direct-a-paced node-floor-paced sluice-none-paced; then
  half=$(half_of sluice-none)
  if ((half > 0)); then
    log "paced latency at $half req/s (half of Sluice's c=$C0 throughput)"
    want direct-a-paced && paced direct-a-paced "http://127.0.0.1:$P_UP_A$A_PATH" "$half" 1
    if ((PEERS)) && want node-floor-paced; then
      start floor 0 env PORT=$P_FLOOR UPSTREAM=http://127.0.0.1:$P_UP_A node "$PEER_LIB/node-floor-proxy.js"; wait_http "http://127.0.0.1:$P_FLOOR$A_PATH" >/dev/null
      taskset -c 1 wrk -t1 -c50 -d"${WARMUP}s" "http://127.0.0.1:$P_FLOOR$A_PATH" >/dev/null 2>&1
      paced node-floor-paced "http://127.0.0.1:$P_FLOOR$A_PATH" "$half" 1; stop floor
    fi
    if want sluice-none-paced; then
      sluice_start sluice none.yaml
      taskset -c 1 wrk -t1 -c50 -d"${WARMUP}s" "http://127.0.0.1:$P_SLUICE$A_PATH" >/dev/null 2>&1
      paced sluice-none-paced "http://127.0.0.1:$P_SLUICE$A_PATH" "$half" 1; stop sluice
    fi
  else
    log "paced rows need sluice-none in the same run: skipped"
  fi
fi

# ---------------------------------------------------------------- paired ratios (interleaved runs)
# pair ID ISSUE MIN LABEL A_ROW B_ROW URL_A URL_B [-- lua env...] : A and B (named as the rows they run like)
#   are both up and pinned to cpu0 (one idles
#   while the other is loaded). After a warm-up of each, PAIR_RUNS runs alternate A, B at c=C0, and the
#   report takes the median of each run of B over the run of A just before it. The VM drifts by 10-30 %
#   between blocks of runs a few minutes apart; a ratio of rows measured minutes apart carries that
#   drift, a ratio of neighbouring runs much less. PAIR_A_ARGS / PAIR_B_ARGS: wrk args of one side only.
PAIR_A_ARGS=(); PAIR_B_ARGS=()
pair() {
  local id=$1 issue=$2 min=$3 label=$4 an=$5 bn=$6 a=$7 b=$8; shift 8
  local -a lua=() envs=()
  [[ ${1:-} == -- ]] && { shift; lua=(-s "$PEER_LIB/post-chat.lua"); envs=("$@"); }
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$id" "$issue" "$min" "$label" "$an" "$bn" >> "$OUT/pairs.tsv"
  log "$id: warm-up ${WARMUP}s each"
  env "${envs[@]}" taskset -c 1 wrk -t1 -c50 -d"${WARMUP}s" --timeout 10s "${PAIR_A_ARGS[@]}" "${lua[@]}" "$a" > "$RAW/$id.warmup.a.txt" 2>&1
  env "${envs[@]}" taskset -c 1 wrk -t1 -c50 -d"${WARMUP}s" --timeout 10s "${PAIR_B_ARGS[@]}" "${lua[@]}" "$b" > "$RAW/$id.warmup.b.txt" 2>&1
  local r
  for r in $(seq "$PAIR_RUNS"); do
    sleep 0.5
    env "${envs[@]}" taskset -c 1 wrk -t1 -c"$C0" -d"${PAIR_DURATION}s" --timeout 10s --latency "${PAIR_A_ARGS[@]}" "${lua[@]}" "$a" > "$RAW/$id.r$r.a.txt" 2>&1
    sleep 0.5
    env "${envs[@]}" taskset -c 1 wrk -t1 -c"$C0" -d"${PAIR_DURATION}s" --timeout 10s --latency "${PAIR_B_ARGS[@]}" "${lua[@]}" "$b" > "$RAW/$id.r$r.b.txt" 2>&1
    log "$id run $r: $(awk '/Requests\/sec/{print $2}' "$RAW/$id.r$r.a.txt") vs $(awk '/Requests\/sec/{print $2}' "$RAW/$id.r$r.b.txt") req/s"
  done
  PAIR_A_ARGS=(); PAIR_B_ARGS=()
}

if want_any pair-floor pair-logging pair-keyauth-rl pair-keyauth-rl-redis; then
  SA="http://127.0.0.1:$P_SLUICE$A_PATH"; SB="http://127.0.0.1:$P_SLUICE2$A_PATH"
  sluice_start sluice none.yaml
  if ((PEERS)) && want pair-floor; then
    start floor 0 env PORT=$P_FLOOR UPSTREAM=http://127.0.0.1:$P_UP_A node "$PEER_LIB/node-floor-proxy.js"; wait_http "http://127.0.0.1:$P_FLOOR$A_PATH" >/dev/null
    pair pair-floor 2 0.9 'Sluice no policy ≥ 0.9× Node floor' node-floor sluice-none "http://127.0.0.1:$P_FLOOR$A_PATH" "$SA"
    stop floor
  fi
  if want pair-logging; then
    sluice_start2 sluice2 logging-off.yaml
    pair pair-logging 6 0.95 'call logging costs ≤ 5 % of req/s: no policy, logging on / off ≥ 0.95×' sluice-logging-off sluice-none "$SB" "$SA"
    stop sluice2
  fi
  if want pair-keyauth-rl; then
    sluice_start2 sluice2 keyauth-rl.yaml
    PAIR_B_ARGS=(-H "x-api-key: $KEY_OK")
    check pair-keyauth-rl "$SB" 200 '"hello from upstream"' "${PAIR_B_ARGS[@]}" && pair pair-keyauth-rl 3 0.85 'key-auth + rate-limit (memory) ≥ 0.85× no policy' sluice-none sluice-keyauth-rl "$SA" "$SB"
    stop sluice2
  fi
  if want pair-keyauth-rl-redis && [[ $(timeout 3 redis-cli -u "$REDIS_URL" ping 2>/dev/null) == PONG ]]; then
    REDIS_PREFIX="sluice-bench:$$-$RANDOM:"
    sluice_start2 sluice2 keyauth-rl.yaml --redis "$REDIS_URL?prefix=$REDIS_PREFIX"
    PAIR_B_ARGS=(-H "x-api-key: $KEY_OK")
    check pair-keyauth-rl-redis "$SB" 200 '"hello from upstream"' "${PAIR_B_ARGS[@]}" && pair pair-keyauth-rl-redis 3 0.6 'key-auth + rate-limit (Redis) ≥ 0.6× no policy' sluice-none sluice-keyauth-rl-redis "$SA" "$SB"
    stop sluice2
    redis_clean || true; REDIS_PREFIX=
  fi
  stop sluice
fi

# ---------------------------------------------------------------- RSS over SOAK_REQUESTS requests
if want soak && ((SOAK_REQUESTS > 0)); then
  rps=$(rps_of sluice-none); [[ $rps == 0 ]] && rps=5000
  sluice_start sluice none.yaml
  soak soak 'sluice-none, fresh process, GET /api/hello, c=50' sluice "http://127.0.0.1:$P_SLUICE$A_PATH" "$SOAK_REQUESTS" "$rps" 20
  stop sluice
fi

# ================================================================ LLM (upstreams b and c)
if ((LLM)); then
  pin 0 up_b
  if want direct-b && check direct-b "http://127.0.0.1:$P_UP_B$B_URL" 200 '"chat.completion"' "${POST_HDRS[@]}" -d "$CHAT"; then
    measure direct-b 'direct → mock OpenAI (b), non-stream' "$PIN_DIRECT" llm - "http://127.0.0.1:$P_UP_B$B_URL" 1 up_b -- STREAM=0
  fi
  if want direct-b-stream && check direct-b-stream "http://127.0.0.1:$P_UP_B$B_URL" 200 'data: [DONE]' "${POST_HDRS[@]}" -d "$CHAT_STREAM"; then
    measure direct-b-stream 'direct → mock OpenAI (b), stream (20 chunks)' "$PIN_DIRECT" llm-stream - "http://127.0.0.1:$P_UP_B$B_URL" 1 up_b -- STREAM=1
  fi
  pin 1 up_b
  # First-chunk latency baseline: the mock on cpu1 with the client (as in every proxied measurement).
  if want ttfb; then
    ttfb direct-b stream same-core "http://127.0.0.1:$P_UP_B$B_URL"
    ttfb direct-b nonstream same-core "http://127.0.0.1:$P_UP_B$B_URL"
  fi

  # Sluice, AI routes: key-auth (Bearer) and token accounting on, call logging on (default).
  AI_URL="http://127.0.0.1:$P_SLUICE$B_URL"
  if want_any sluice-ai-openai sluice-ai-openai-stream sluice-ai-openai-paced ttfb soak-ai-stream; then
    sluice_start sluice ai-openai.yaml
    if want sluice-ai-openai && check sluice-ai-openai "$AI_URL" 200 '"chat.completion"' "${POST_HDRS[@]}" -d "$CHAT"; then
      measure sluice-ai-openai 'Sluice AI, OpenAI → mock OpenAI, key-auth + tokens, non-stream' "$PIN_PROXY" llm node-floor-b "$AI_URL" 1 sluice -- STREAM=0
      scrape sluice-ai-openai
    fi
    AI_HALF=$(half_of sluice-ai-openai)
    if want sluice-ai-openai-paced && ((AI_HALF > 0)); then
      log "paced AI latency at $AI_HALF req/s (half of sluice-ai-openai's c=$C0 throughput)"
      paced sluice-ai-openai-paced "$AI_URL" "$AI_HALF" 1 -- STREAM=0
    fi
    if want sluice-ai-openai-stream && check sluice-ai-openai-stream "$AI_URL" 200 'data: [DONE]' "${POST_HDRS[@]}" -d "$CHAT_STREAM"; then
      measure sluice-ai-openai-stream 'Sluice AI, OpenAI → mock OpenAI, key-auth + tokens, stream' "$PIN_PROXY" llm-stream node-floor-b-stream "$AI_URL" 1 sluice -- STREAM=1
      scrape sluice-ai-openai-stream
    fi
    ttfb_proxy sluice-ai-openai sluice "$AI_URL"
    if want soak-ai-stream && ((SOAK_AI_REQUESTS > 0)); then
      rps=$(rps_of sluice-ai-openai-stream); [[ $rps == 0 ]] && rps=2000
      soak soak-ai-stream 'sluice-ai-openai-stream, same (warm) process, POST stream, c=50' sluice "$AI_URL" "$SOAK_AI_REQUESTS" "$rps" 0 -- STREAM=1
      scrape soak-ai-stream
    fi
    stop sluice
  fi
  if want_any sluice-ai-anthropic ttfb; then
    sluice_start sluice ai-anthropic.yaml
    if want sluice-ai-anthropic && check sluice-ai-anthropic "$AI_URL" 200 '"chat.completion"' "${POST_HDRS[@]}" -d "$CHAT"; then
      measure sluice-ai-anthropic 'Sluice AI, OpenAI → mock Anthropic (translated), key-auth + tokens, non-stream' "$PIN_PROXY" llm node-floor-b "$AI_URL" 1 sluice -- STREAM=0
      scrape sluice-ai-anthropic
    fi
    check sluice-ai-anthropic-stream "$AI_URL" 200 'data: [DONE]' "${POST_HDRS[@]}" -d "$CHAT_STREAM" && ttfb_proxy sluice-ai-anthropic sluice "$AI_URL"
    stop sluice
  fi
  if want direct-b-paced && ((${AI_HALF:-0} > 0)); then
    paced direct-b-paced "http://127.0.0.1:$P_UP_B$B_URL" "$AI_HALF" 1 -- STREAM=0
  fi

  # llm_rows BASEROW LABEL PROCNAME BASEURL PORTKEY_HEADERS FIRST_WARMUP CMD... (as ../shared/bench/run.sh)
  llm_rows() {
    local row=$1 label=$2 name=$3 base=$4 extra=$5 first_warmup=$6; shift 6
    want_any "$row" "$row-stream" "$row-paced" ttfb || return 0
    local -a hdrs=() wenv=() thdrs=()
    if [[ -n $extra ]]; then hdrs=("${PK_HDRS[@]}"); wenv=(PORTKEY_HOST="$PK_HOST"); thdrs=("x-portkey-provider: openai" "x-portkey-custom-host: $PK_HOST"); fi
    start "$name" 0 "$@"
    log "$row ready in $(wait_http "$base/v1/models" "${hdrs[@]}") ms"
    if want "$row" && check "$row" "$base$B_URL" 200 '"chat.completion"' "${POST_HDRS[@]}" "${hdrs[@]}" -d "$CHAT"; then
      ROW_WARMUP=$first_warmup measure "$row" "$label, non-stream" "$PIN_PROXY" llm node-floor-b "$base$B_URL" 1 "$name" -- STREAM=0 "${wenv[@]}"
      if want "$row-paced" && [[ -z $extra ]] && ((${AI_HALF:-0} > 0)); then paced "$row-paced" "$base$B_URL" "$AI_HALF" 1 -- STREAM=0; fi
    fi
    if want "$row-stream" && check "$row-stream" "$base$B_URL" 200 'data: [DONE]' "${POST_HDRS[@]}" "${hdrs[@]}" -d "$CHAT_STREAM"; then
      measure "$row-stream" "$label, stream" "$PIN_PROXY" llm-stream node-floor-b-stream "$base$B_URL" 1 "$name" -- STREAM=1 "${wenv[@]}"
    fi
    ttfb_proxy "$row" "$name" "$base$B_URL" "${thdrs[@]}"
    stop "$name"
  }
  if ((PEERS)); then
    llm_rows node-floor-b 'Node floor → mock (b)' floor_b "http://127.0.0.1:$P_FLOOR_B" '' "$WARMUP" \
      env PORT=$P_FLOOR_B UPSTREAM=http://127.0.0.1:$P_UP_B node "$PEER_LIB/node-floor-proxy.js"
  fi
  if ((PEERS)) && want pair-ai; then
    start floor_b 0 env PORT=$P_FLOOR_B UPSTREAM=http://127.0.0.1:$P_UP_B node "$PEER_LIB/node-floor-proxy.js"; wait_http "http://127.0.0.1:$P_FLOOR_B/v1/models" >/dev/null
    sluice_start sluice ai-openai.yaml
    pair pair-ai 4 0.7 'AI OpenAI → mock OpenAI ≥ 0.7× Node floor → mock' node-floor-b sluice-ai-openai "http://127.0.0.1:$P_FLOOR_B$B_URL" "$AI_URL" -- STREAM=0
    stop sluice; stop floor_b
  fi
  if ((PORTKEY)); then
    llm_rows portkey 'Portkey gateway 1.15.2' portkey "http://127.0.0.1:$P_PORTKEY" portkey "$PK_WARMUP" \
      bash -c "cd '$OUT/peers' && NODE_ENV=production exec node node_modules/@portkey-ai/gateway/build/start-server.js --port=$P_PORTKEY --headless"
  fi
fi
stop up_a; stop up_b; stop up_c

# ================================================================ micro-benchmarks (cpu0, nothing else running)
if want micro; then
  log "micro: stream translation on dist/ (cpu0)"
  taskset -c 0 node "$HERE/micro/stream-translate.mjs" --seconds "$MICRO_SECONDS" --json "$OUT/micro.json" >&2 || log "micro: failed (see above)"
fi

{
  echo "date=$(date -u '+%Y-%m-%d %H:%M:%S UTC')"; echo "nproc=$(nproc)"
  echo "cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)"; echo "mem=$(free -g | awk '/^Mem:/{print $2" GiB"}')"
  echo "kernel=$(uname -r)"; echo "node=$(node --version)"; echo "nginx=$(nginx -v 2>&1 | sed 's/^nginx version: //')"
  echo "wrk=$(wrk -v 2>&1 | head -1 | awk '{print $1" "$2}')"; echo "sluice=$(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo '?')$(cd "$ROOT" && git diff --quiet HEAD -- src 2>/dev/null || echo ' + uncommitted changes in src/')"
  echo "elapsed_s=$(( $(date +%s) - T0 ))"; echo "duration=$DURATION"; echo "runs=$RUNS"; echo "conns=$CONNS"; echo "c0=$C0"; echo "warmup=$WARMUP"; echo "pk_warmup=$PK_WARMUP"
  echo "pair_runs=$PAIR_RUNS"; echo "pair_duration=$PAIR_DURATION"; echo "soak_requests=$SOAK_REQUESTS"; echo "soak_ai_requests=$SOAK_AI_REQUESTS"; echo "ttfb_requests=$TTFB_REQUESTS"
  echo "peers=$PEERS"; echo "portkey=$PORTKEY"; echo "llm=$LLM"; echo "redis=$REDIS_URL"; echo "only=$ONLY"
  echo "load=$LOAD0 (start) → $(cut -d' ' -f1-3 /proc/loadavg) (end)"
} > "$OUT/facts.txt"
node "$HERE/lib/report.mjs" "$OUT" "$RESULTS"
log "done in $(( $(date +%s) - T0 ))s; table in ${RESULTS#$ROOT/}"
