#!/usr/bin/env bash
# Migrate benchmark: cfmigrate against rclone on the same copy, same machine,
# same run. Everything listens on 127.0.0.1, stops itself and is removed at
# exit (unless --keep).
#
#   source       nginx: generated images over http and https (self-signed,
#                HTTP/2), keep-alive, ETag (see --etag), sendfile
#   destination  nginx WebDAV PUT into tmpfs, path-style /BUCKET/KEY (reads
#                every byte; no SigV4 check; multipart via rig/mpu_shim.py),
#                or moto_server with --dest moto (slow, correctness flavour)
#   runs         rclone copy (http remote -> s3 remote, --files-from) and
#                cfmigrate migrate at each --concurrency, each --repeat times,
#                order alternating; /usr/bin/time -v for CPU and peak RSS;
#                destination wiped before and checked after every run
#   startup      4,000,000-line urls.txt + 2,000,000-line completed.txt: time
#                from process start to the first GET at the origin, peak RSS
#
# Usage: bench/run_migrate_bench.sh [options]
#   --origin-delay MS     every source answer (GET, HEAD) held back MS ms
#                         before it starts, like CloudFront's time to first
#                         byte (default 60; nginx echo_sleep, needs
#                         libnginx-mod-http-echo)
#   --s3-delay MS         every destination PUT held back MS ms before its
#                         body is read, like S3's PUT latency (default 40)
#   --loopback            no delays (--origin-delay 0 --s3-delay 0): plain
#                         loopback, where the CPU decides
#   --protos "P ..."      source protocols: http, https (HTTP/2 offered by
#                         ALPN), https1 (same TLS port type, HTTP/1.1 only)
#                         (default "http https"; --no-https: "http")
#   --files N             images to generate (default 3000)
#   --repeat R            runs per variant (default 3)
#   --concurrency "A B"   cfmigrate CONCURRENCY values, numbers or auto
#                         (default "64 150")
#   --transfers N         rclone --transfers/--checkers (default: one rclone
#                         variant per numeric --concurrency value, the same
#                         number in flight)
#   --tools LIST          comma list of rclone,cfmigrate (default both)
#   --no-https            skip the https variants
#   --dest nginx|moto     destination (default nginx)
#   --dest-https          nginx destination over https (self-signed; like
#                         real S3, where cfmigrate signs UNSIGNED-PAYLOAD
#                         instead of hashing each body with SHA-256)
#   --etag md5|nginx      the source's ETag (default md5). md5: like
#                         CloudFront in front of an S3 origin, "<md5 hex of
#                         the file>" (also on 206 Range answers), so cfmigrate
#                         sends it as Content-MD5 without hashing; nginx:
#                         nginx's mtime-size ETag, so cfmigrate computes CRC32C
#   --copies K            list every image K times, under /c1/ ... /cK/
#                         (the origin serves /cN/PATH as PATH): K times the
#                         objects from one set of source files, for runs
#                         long enough to judge CONCURRENCY=auto. cfmigrate
#                         then runs with PRESERVE_PATH_STRUCTURE=true (flat
#                         keys would collide); the destination holds K
#                         times the dataset (default 1)
#   --startup | --no-startup | --startup-only   startup test (default: on
#                         when cfmigrate runs)
#   --startup-lines N     urls.txt lines for the startup test (4000000)
#   --startup-done N      completed.txt lines (2000000)
#   --cfmigrate PATH      binary (default build/cfmigrate of this checkout)
#   --source-rate RATE    source answers each GET at most this fast (nginx
#                         limit_rate, e.g. 1m): files/s then depends on
#                         transfers in flight, not on CPU
#   --cfmigrate-b PATH    a second binary, run as variant "cfmigrate-b" next
#                         to the first in every round (A/B in the same run)
#   --b-concurrency "A B" the cfmigrate-b variant only at these CONCURRENCY
#                         values (default: every --concurrency value; e.g.
#                         "auto" to compare two builds' auto, not their
#                         identical fixed runs)
#   --cfm-args "ARGS"     extra cfmigrate arguments (e.g. "--checksum none")
#   --cfm-env "A=1 B=2"   extra environment for cfmigrate (e.g.
#                         "MALLOC_ARENA_MAX=2"); both show in the variant name
#   --cfm-env-b "A=1"     environment for the cfmigrate-b variant instead of
#                         --cfm-env (e.g. SOURCE_HTTP_VERSION=2 against 1.1)
#   --no-ca-workaround    https source: give cfmigrate only CURL_CA_BUNDLE, not
#                         also AWS_CA_BUNDLE (shows whether objects over
#                         10 MB still fail with "connection error")
#   --perf                record each cfmigrate run with perf record -g
#                         (RUN/perf.data; use with --keep; CPU figures then
#                         include perf's own cost; PERF_RECORD_ARGS in the
#                         environment replaces -g, e.g. "--call-graph dwarf")
#   --results FILE        also append the markdown report to FILE
# Environment: RUN_TIMEOUT seconds per tool run (default 900).
#   --workdir DIR         parent of the temp dir (default /dev/shm if it has
#                         room, else /tmp)
#   --keep                keep the temp dir (logs, lists, per-run output)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$HERE")
RIG=$HERE/rig

FILES=3000
REPEAT=3
CONCS="64 150"
TRANSFERS=""
ORIGIN_DELAY=60
S3_DELAY=40
PROTOS=""
TOOLS="rclone,cfmigrate"
HTTPS=1
DEST=nginx
DEST_HTTPS=0
ETAG=md5
COPIES=1
STARTUP=auto
STARTUP_LINES=4000000
STARTUP_DONE=2000000
CFM=$REPO/build/cfmigrate
CFM_B=""
B_CONCS=""
SOURCE_RATE=""
CFM_EXTRA_ARGS=()
CFM_EXTRA_ENV=()
CFM_B_ENV=()
CFM_B_ENV_SET=0
RESULTS=""
WORKPARENT=""
KEEP=0
PERF=0
CA_WORKAROUND=1
BUCKET=bench-bucket
CMDLINE="bench/run_migrate_bench.sh$(printf " %q" "$@")"

die() { echo "run_migrate_bench: $*" >&2; exit 2; }
log() { echo "== $*" >&2; }

while [[ $# -gt 0 ]]; do
  case $1 in
    --files) FILES=$2; shift 2 ;;
    --repeat) REPEAT=$2; shift 2 ;;
    --concurrency) CONCS=$2; shift 2 ;;
    --transfers) TRANSFERS=$2; shift 2 ;;
    --origin-delay) ORIGIN_DELAY=$2; shift 2 ;;
    --s3-delay) S3_DELAY=$2; shift 2 ;;
    --loopback) ORIGIN_DELAY=0; S3_DELAY=0; shift ;;
    --protos) PROTOS=$2; shift 2 ;;
    --tools) TOOLS=$2; shift 2 ;;
    --no-https) HTTPS=0; shift ;;
    --dest) DEST=$2; shift 2 ;;
    --dest-https) DEST_HTTPS=1; shift ;;
    --etag) ETAG=$2; shift 2 ;;
    --copies) COPIES=$2; shift 2 ;;
    --startup) STARTUP=1; shift ;;
    --no-startup) STARTUP=0; shift ;;
    --startup-only) STARTUP=only; shift ;;
    --startup-lines) STARTUP_LINES=$2; shift 2 ;;
    --startup-done) STARTUP_DONE=$2; shift 2 ;;
    --cfmigrate) CFM=$(realpath "$2"); shift 2 ;;
    --cfmigrate-b) CFM_B=$(realpath "$2"); shift 2 ;;
    --b-concurrency) B_CONCS=$2; shift 2 ;;
    --source-rate) SOURCE_RATE=$2; shift 2 ;;
    --cfm-args) read -r -a CFM_EXTRA_ARGS <<<"$2"; shift 2 ;;
    --cfm-env) read -r -a CFM_EXTRA_ENV <<<"$2"; shift 2 ;;
    --cfm-env-b) read -r -a CFM_B_ENV <<<"$2"; CFM_B_ENV_SET=1; shift 2 ;;
    --results) RESULTS=$(realpath -m "$2"); shift 2 ;;
    --workdir) WORKPARENT=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    --perf) PERF=1; shift ;;
    --no-ca-workaround) CA_WORKAROUND=0; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done
[[ $DEST == nginx || $DEST == moto ]] || die "--dest must be nginx or moto"
[[ $DEST_HTTPS == 1 && $DEST == moto ]] && die "--dest-https works with --dest nginx only"
[[ $ETAG == md5 || $ETAG == nginx ]] || die "--etag must be md5 or nginx"
[[ $ORIGIN_DELAY =~ ^[0-9]+$ && $S3_DELAY =~ ^[0-9]+$ ]] ||
  die "--origin-delay and --s3-delay take whole milliseconds"
if [[ -z $PROTOS ]]; then
  PROTOS="http"; [[ $HTTPS == 1 ]] && PROTOS="http https"
fi
for p in $PROTOS; do
  [[ $p == http || $p == https || $p == https1 ]] || die "--protos: http, https, https1"
done
has_tool() { [[ ",$TOOLS," == *",$1,"* ]]; }
if [[ $STARTUP == auto ]]; then
  if has_tool cfmigrate; then STARTUP=1; else STARTUP=0; fi
fi
if has_tool cfmigrate || [[ $STARTUP != 0 ]]; then
  [[ -x $CFM ]] || die "no cfmigrate binary at $CFM (build it, or --cfmigrate PATH, or --tools rclone)"
fi

# ---------------------------------------------------------------- packages
need_pkgs=()
command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || need_pkgs+=(nginx-light)
command -v rclone >/dev/null || need_pkgs+=(rclone)
[[ -x /usr/bin/time ]] || need_pkgs+=(time)
ECHO_MODULE=/usr/lib/nginx/modules/ngx_http_echo_module.so
if (( ORIGIN_DELAY + S3_DELAY > 0 )); then
  [[ -f $ECHO_MODULE ]] || need_pkgs+=(libnginx-mod-http-echo)
fi
command -v openssl >/dev/null || need_pkgs+=(openssl)
command -v curl >/dev/null || need_pkgs+=(curl)
if [[ ${#need_pkgs[@]} -gt 0 ]]; then
  log "installing ${need_pkgs[*]}"
  SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
if [[ $DEST == moto ]]; then
  command -v moto_server >/dev/null || die "--dest moto needs moto_server (pip install 'moto[server]')"
fi

# ---------------------------------------------------------------- work dir
need_mb=$(( FILES * 400 * 25 / 10 / 1000 + 600 ))
if [[ -z $WORKPARENT ]]; then
  WORKPARENT=/tmp
  shm_mb=$(df -Pm /dev/shm 2>/dev/null | awk 'NR==2 {print $4}')
  [[ -n $shm_mb && $shm_mb -gt $need_mb ]] && WORKPARENT=/dev/shm
fi
WORK=$(mktemp -d "$WORKPARENT/cfm-bench.XXXXXX")
SRC_ROOT=$WORK/src
DEST_ROOT=$WORK/dest
mkdir -p "$SRC_ROOT" "$DEST_ROOT/.tmp/body" "$WORK/nginx" "$WORK/logs" \
  "$WORK/tls" "$WORK/runs" "$WORK/list"
RUNS=$WORK/runs.jsonl
: > "$RUNS"

STARTUP_CPID=""   # cfmigrate of the startup test while it runs
PIDS=()   # background processes we started (nginx is stopped via its pid file)
cleanup() {
  set +e
  if [[ -f $WORK/nginx/nginx.pid ]]; then
    local np; np=$(cat "$WORK/nginx/nginx.pid")
    kill -QUIT "$np" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$np" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$np" 2>/dev/null
  fi
  [[ -n $STARTUP_CPID ]] && kill -KILL "$STARTUP_CPID" 2>/dev/null
  for p in "${PIDS[@]}"; do
    kill -TERM -- "-$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null
  done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  if [[ $KEEP == 1 ]]; then
    echo "run_migrate_bench: kept $WORK" >&2
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Seven distinct free ports at once: sockets picked one by one (each closed
# before the next is bound) can be handed the same port twice, and nginx
# then refuses its configuration ("a duplicate listen").
read -r SRC_PORT SRC_TLS_PORT DEST_PORT SRC_TLS1_PORT DEST_TLS_PORT SHIM_PORT \
  MOTO_PORT < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(7)]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))')
ETAG_MAP=$WORK/list/etag_map.conf   # nginx map entries: URI -> "md5"
SRC_URL=http://127.0.0.1:$SRC_PORT/
SRC_TLS_URL=https://127.0.0.1:$SRC_TLS_PORT/
SRC_TLS1_URL=https://127.0.0.1:$SRC_TLS1_PORT/
DEST_URL=http://127.0.0.1:$DEST_PORT
[[ $DEST_HTTPS == 1 ]] && DEST_URL=https://127.0.0.1:$DEST_TLS_PORT

wait_http() {  # URL: until it answers at all (any status), 10 s at most
  for _ in $(seq 100); do
    curl -s -k -o /dev/null --max-time 1 "$1" && return 0
    sleep 0.1
  done
  die "nothing answers at $1"
}

# ---------------------------------------------------------------- servers
start_servers() {
  log "TLS certificate (self-signed, 127.0.0.1)"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    -keyout "$WORK/tls/key.pem" -out "$WORK/tls/cert.pem" 2>/dev/null
  local user_line="" src_etag="etag on;"
  [[ $(id -u) -eq 0 ]] && user_line="user root root;"
  # --etag md5: the per-file MD5 from the map (gen_images.py --etag-map);
  # the map file exists (maybe empty, e.g. --startup-only) by now.
  [[ $ETAG == md5 ]] && src_etag='etag off; add_header ETag $img_etag always;'
  [[ -f $ETAG_MAP ]] || : > "$ETAG_MAP"
  # --source-rate: nginx limit_rate per response, a stand-in for the
  # per-flow throughput a distant CDN edge gives.
  [[ -n $SOURCE_RATE ]] && src_etag+=" limit_rate $SOURCE_RATE;"
  local map_max=$(( FILES * 4 > 4096 ? FILES * 4 : 4096 ))
  # The delays: echo_sleep, then the named location that serves or stores.
  local load_module="" src_handler="$src_etag" dest_handler
  dest_handler="dav_methods PUT DELETE; create_full_put_path on; dav_access user:rw group:r all:r;"
  if (( ORIGIN_DELAY + S3_DELAY > 0 )); then
    load_module="load_module $ECHO_MODULE;"
  fi
  (( ORIGIN_DELAY > 0 )) &&
    src_handler="echo_sleep $(awk -v d="$ORIGIN_DELAY" 'BEGIN {printf "%.3f", d / 1000}'); echo_exec @static;"
  (( S3_DELAY > 0 )) &&
    dest_handler="echo_sleep $(awk -v d="$S3_DELAY" 'BEGIN {printf "%.3f", d / 1000}'); echo_exec @dav;"

  sed -e "s|@WORK@|$WORK|g" -e "s|@SRC_ROOT@|$SRC_ROOT|g" \
      -e "s|@DEST_ROOT@|$DEST_ROOT|g" -e "s|@SRC_PORT@|$SRC_PORT|g" \
      -e "s|@SRC_TLS_PORT@|$SRC_TLS_PORT|g" -e "s|@DEST_PORT@|$DEST_PORT|g" \
      -e "s|@DEST_TLS_PORT@|$DEST_TLS_PORT|g" \
      -e "s|@SHIM_PORT@|$SHIM_PORT|g" -e "s|@USER_LINE@|$user_line|g" \
      -e "s|@ETAG_MAP@|$ETAG_MAP|g" -e "s|@MAP_HASH_MAX@|$map_max|g" \
      -e "s|@SRC_ETAG@|$src_etag|g" -e "s|@LOAD_MODULE@|$load_module|g" \
      -e "s|@SRC_HANDLER@|$src_handler|g" -e "s|@DEST_HANDLER@|$dest_handler|g" \
      -e "s|@SRC_TLS1_PORT@|$SRC_TLS1_PORT|g" \
      "$RIG/nginx.conf.in" > "$WORK/nginx/nginx.conf"
  "$NGINX" -t -q -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" \
    -e "$WORK/nginx/error.log" || die "nginx config test failed"
  "$NGINX" -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" \
    -e "$WORK/nginx/error.log"
  setsid python3 "$RIG/mpu_shim.py" "$SHIM_PORT" "$DEST_ROOT" \
    > "$WORK/logs/shim.log" 2>&1 &
  PIDS+=($!)
  wait_http "$SRC_URL"
  wait_http "$SRC_TLS_URL"
  wait_http "$SRC_TLS1_URL"
  wait_http "http://127.0.0.1:$SHIM_PORT/"
  if [[ $DEST == moto ]]; then start_moto; else wait_http "$DEST_URL/"; fi
}

MOTO_PID=""
start_moto() {
  DEST_URL=http://127.0.0.1:$MOTO_PORT
  setsid moto_server -H 127.0.0.1 -p "$MOTO_PORT" > "$WORK/logs/moto.log" 2>&1 &
  MOTO_PID=$!
  PIDS+=($MOTO_PID)
  wait_http "$DEST_URL/"
  python3 - "$DEST_URL" "$BUCKET" <<'EOF'
import sys, boto3
boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1",
             aws_access_key_id="x", aws_secret_access_key="y"
             ).create_bucket(Bucket=sys.argv[2])
EOF
}

wipe_dest() {
  if [[ $DEST == moto ]]; then
    kill -TERM -- "-$MOTO_PID" 2>/dev/null || true
    wait "$MOTO_PID" 2>/dev/null || true
    start_moto
  else
    rm -rf "${DEST_ROOT:?}/$BUCKET" "$DEST_ROOT/.mpu"/* 2>/dev/null || true
  fi
}

rotate_logs() {  # $1: directory that receives source.log and dest.log
  local np; np=$(cat "$WORK/nginx/nginx.pid")
  mkdir -p "$1"
  kill -USR1 "$np"   # flush buffered lines of the old files first
  sleep 0.3
  mv "$WORK/logs/source.log" "$1/source.log" 2>/dev/null || : > "$1/source.log"
  mv "$WORK/logs/dest.log" "$1/dest.log" 2>/dev/null || : > "$1/dest.log"
  kill -USR1 "$np"
  sleep 0.3
}

# ---------------------------------------------------------------- machine
machine_md() {
  local model mem
  model=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
  mem=$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)
  echo "- date: $RUN_DATE (start) to $(date -u '+%H:%M UTC') (end)"
  echo "- machine: $(nproc) CPUs ($model), $mem RAM, $(uname -sr)," \
       "$(. /etc/os-release; echo "$PRETTY_NAME")"
  echo "- rclone: $(rclone version 2>/dev/null | head -1)"
  echo "- nginx: $("$NGINX" -v 2>&1 | sed 's/.*: //'), curl/libcurl:" \
       "$(curl --version | head -1 | cut -d' ' -f2)"
  if [[ -x $CFM ]]; then
    echo "- cfmigrate: $("$CFM" --version 2>&1 | head -1)" \
         "(git $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null)" \
         "$(git -C "$REPO" diff --quiet -- src CMakeLists.txt 2>/dev/null || echo '+ uncommitted changes in src'))"
  fi
  echo "- load average (1/5/15 min) at start: $LOAD_START; at end:" \
       "$(cut -d' ' -f1-3 /proc/loadavg)"
  case $ETAG in
    md5) echo "- source ETag: md5 (\"<md5 hex of the file>\", like CloudFront" \
              "in front of an S3 origin; cfmigrate sends it as Content-MD5)" ;;
    nginx) echo "- source ETag: nginx (nginx's \"mtime-size\", not an MD5;" \
                "cfmigrate computes CRC32C)" ;;
  esac
  [[ -n $SOURCE_RATE ]] &&
    echo "- source rate: at most $SOURCE_RATE bytes/s per GET (nginx limit_rate)"
  if (( ORIGIN_DELAY + S3_DELAY > 0 )); then
    echo "- delays: every source answer (GET, HEAD) starts $ORIGIN_DELAY ms" \
         "after its request, every destination PUT $S3_DELAY ms (nginx" \
         "echo_sleep; multipart requests to the shim are not delayed)"
  else
    echo "- delays: none (plain loopback)"
  fi
  echo "- work dir: $WORKPARENT (source and destination on the same tmpfs" \
       "when /dev/shm); destination: $DEST $DEST_URL"
}

# ---------------------------------------------------------------- runs
RUN_TIMEOUT=${RUN_TIMEOUT:-900}
# Both tools run without the caller's AWS settings and proxies.
CLEAN_ENV=(env -u AWS_PROFILE -u AWS_SESSION_TOKEN -u AWS_ENDPOINT_URL_S3
  -u AWS_CA_BUNDLE -u AWS_ENDPOINT_URL -u AWS_ACCESS_KEY_ID
  -u AWS_SECRET_ACCESS_KEY -u http_proxy -u https_proxy -u HTTP_PROXY
  -u HTTPS_PROXY -u ALL_PROXY -u all_proxy -u CURL_CA_BUNDLE)
cfm_env() {  # -> CFM_ENV array (the destination URL is known by now)
  CFM_ENV=("${CLEAN_ENV[@]}"
    AWS_ENDPOINT_URL="$DEST_URL" AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=y
    AWS_EC2_METADATA_DISABLED=true)
  [[ $DEST_HTTPS == 1 ]] && CFM_ENV+=(AWS_CA_BUNDLE="$WORK/tls/cert.pem")
  return 0
}
# How cfmigrate is told to trust the rig's CA for the https source: a flag
# when it has one, else the CURL_CA_BUNDLE environment variable (read by
# cfmigrate for source requests). Empty -> no cfmigrate https variant.
CFM_SRC_CA_ARGS=()
CFM_SRC_CA_ENV=()
cfm_https_supported() {
  local help; help=$("$CFM" migrate --help 2>&1 || true)
  if grep -q -- '--source-ca-bundle' <<<"$help"; then
    CFM_SRC_CA_ARGS=(--source-ca-bundle "$WORK/tls/cert.pem"); return 0
  fi
  if grep -q -a CURL_CA_BUNDLE "$CFM"; then
    # AWS_CA_BUNDLE too: cfmigrate's Range GETs for objects over 10 MB use
    # the blocking HTTP client, which reads only AWS_CA_BUNDLE (the
    # destination is plain http here, so that changes nothing else).
    CFM_SRC_CA_ENV=(CURL_CA_BUNDLE="$WORK/tls/cert.pem")
    [[ $CA_WORKAROUND == 1 ]] && CFM_SRC_CA_ENV+=(AWS_CA_BUNDLE="$WORK/tls/cert.pem")
    return 0
  fi
  return 1
}

tool_cmd() {  # TOOL PROTO CONC OUTDIR -> CMD array
  local tool=$1 proto=$2 conc=$3 out=$4 base=$SRC_URL
  [[ $proto == https ]] && base=$SRC_TLS_URL
  [[ $proto == https1 ]] && base=$SRC_TLS1_URL
  if [[ $tool == rclone ]]; then
    CMD=("${CLEAN_ENV[@]}" rclone copy --config "$WORK/rclone.conf" --http-url "$base" :http:
      ":s3:$BUCKET/images" --s3-provider Other --s3-endpoint "$DEST_URL"
      --s3-force-path-style --s3-access-key-id x --s3-secret-access-key y
      --s3-region us-east-1 --files-from "$WORK/list/paths.txt"
      --no-traverse --no-check-dest --s3-no-head --s3-no-check-bucket
      --transfers "$conc" --checkers "$conc" --retries 1
      --stats 0)
    [[ $proto == https* || $DEST_HTTPS == 1 ]] &&
      CMD+=(--ca-cert "$WORK/tls/cert.pem")
  else
    cfm_env
    local urls=$WORK/list/urls.txt
    [[ $proto == https* ]] && urls=$WORK/list/urls_$proto.txt
    local ca_env=()
    [[ $proto == https* ]] && ca_env=("${CFM_SRC_CA_ENV[@]}")
    local bin=$CFM; [[ $tool == cfmigrate-b ]] && bin=$CFM_B
    tool_env "$tool"
    local layout_env=()  # --copies: flat keys would collide
    (( COPIES > 1 )) && layout_env=(PRESERVE_PATH_STRUCTURE=true)
    CMD=("${CFM_ENV[@]}" "${ca_env[@]}" "${TOOL_ENV[@]}" "${layout_env[@]}"
      "$bin" migrate
      --source-urls-file "$urls"
      --destination-bucket "$BUCKET" --source-url-prefix "$base"
      --state-dir "$out/state" --concurrency "$conc" "${CFM_EXTRA_ARGS[@]}")
    [[ $proto == https* ]] && CMD+=("${CFM_SRC_CA_ARGS[@]}")
    # PERF_RECORD_ARGS="--call-graph dwarf" gives whole stacks through the
    # libraries (built without frame pointers), at a larger perf.data.
    [[ $PERF == 1 ]] && CMD=(perf record -q ${PERF_RECORD_ARGS:--g} -o "$out/perf.data" -- "${CMD[@]}")
  fi
  return 0
}

CLK_TCK=$(getconf CLK_TCK)
cpu_snapshot() {  # -> "MACHINE_BUSY_S SERVERS_S": CPU seconds so far of the
  # whole machine (all CPUs: user, nice, system, steal; interrupt time is
  # left out, being mostly the rig's own loopback traffic) and of nginx and
  # the other helpers the rig started
  local np; np=$(cat "$WORK/nginx/nginx.pid")
  local p files=()
  for p in "$np" $(pgrep -P "$np") "${PIDS[@]}"; do
    [[ -r /proc/$p/stat ]] && files+=("/proc/$p/stat")
  done
  awk -v tck="$CLK_TCK" '
    FNR == 1 && FILENAME == "/proc/stat" {
      busy = $2 + $3 + $4 + $9   # user nice system steal (no irq/softirq)
      next }
    FILENAME != "/proc/stat" {
      sub(/^.*\) /, ""); srv += $12 + $13 }   # utime, stime
    END { printf "%.2f %.2f\n", busy / tck, srv / tck }' \
    /proc/stat "${files[@]}" 2>/dev/null || echo "0 0"
}

tool_env() {  # TOOL -> TOOL_ENV array: --cfm-env, or --cfm-env-b for cfmigrate-b
  TOOL_ENV=("${CFM_EXTRA_ENV[@]}")
  [[ $1 == cfmigrate-b && $CFM_B_ENV_SET == 1 ]] && TOOL_ENV=("${CFM_B_ENV[@]}")
  return 0
}

run_variant() {  # TOOL PROTO CONC RUN
  local tool=$1 proto=$2 conc=$3 run=$4 name variant rc=0 start end layout
  variant="$tool $proto"
  [[ $tool == cfmigrate* ]] && variant+=" c$conc"
  tool_env "$tool"
  if [[ $tool == cfmigrate* && ${#CFM_EXTRA_ARGS[@]}${#TOOL_ENV[@]} != 00 ]]; then
    local extra=("${TOOL_ENV[@]}" "${CFM_EXTRA_ARGS[@]}")
    variant+=" [${extra[*]}]"
  fi
  [[ $tool == rclone ]] && variant+=" t$conc"
  name=$(tr -c 'A-Za-z0-9.\n-' '-' <<<"$variant")-$run
  local out=$WORK/runs/$name
  mkdir -p "$out/state"
  wipe_dest
  rotate_logs "$out/pre"
  tool_cmd "$tool" "$proto" "$conc" "$out"
  printf '%q ' "${CMD[@]}" > "$out/cmd.txt"
  local cpu0 cpu1; cpu0=$(cpu_snapshot)
  start=$(date +%s.%N)
  (cd "$out" && exec /usr/bin/time -v -o "$out/time.txt" \
     timeout --foreground -k 15 "$RUN_TIMEOUT" "${CMD[@]}") \
     > "$out/stdout.txt" 2> "$out/stderr.txt" || rc=$?
  # Ctrl-C reaches the tool (same process group); bash itself lets it pass
  # when the child exits on its own, so stop here explicitly.
  [[ $rc -eq 130 || $rc -eq 143 ]] && { echo "interrupted" >&2; exit 130; }
  end=$(date +%s.%N)
  cpu1=$(cpu_snapshot)
  rotate_logs "$out"
  layout=path; [[ $tool == cfmigrate* && $COPIES == 1 ]] && layout=flat
  local where=(--fs "$DEST_ROOT/$BUCKET")
  [[ $DEST == moto ]] && where=(--s3 "$DEST_URL" --bucket "$BUCKET")
  python3 "$RIG/check_dest.py" --manifest "$WORK/list/manifest.tsv" \
    --layout "$layout" --prefix images/ "${where[@]}" --sample 100 \
    --src-root "$SRC_ROOT" \
    > "$out/check.json" || true
  python3 "$RIG/report.py" record --out "$RUNS" --variant "$variant" \
    --tool "$tool" --proto "$proto" --conc "$conc" --run "$run" \
    --time "$out/time.txt" --start "$start" --end "$end" --rc "$rc" \
    --check "$out/check.json" --src-log "$out/source.log" \
    --dest-log "$out/dest.log" --cpu-before "$cpu0" --cpu-after "$cpu1" >&2
  if [[ $rc -ne 0 ]]; then
    echo "   exit $rc; last lines of stderr:" >&2
    tail -n 5 "$out/stderr.txt" | sed 's/^/   | /' >&2
  fi
}

# ---------------------------------------------------------------- startup
STARTUP_MD=""
startup_test() {
  local d=$WORK/startup start first tpid rc=0 waited=0
  mkdir -p "$d/state"
  log "startup test: $STARTUP_LINES URLs, $STARTUP_DONE already completed"
  python3 "$RIG/gen_startup_lists.py" --url-base "$SRC_URL" \
    --lines "$STARTUP_LINES" --done "$STARTUP_DONE" --urls "$d/urls.txt" \
    --completed "$d/state/completed.txt"
  wipe_dest
  rotate_logs "$d"
  rm -f "$d/source.log" "$d/dest.log"
  cfm_env
  start=$(date +%s.%N)
  (cd "$d" && exec /usr/bin/time -v -o "$d/time.txt" "${CFM_ENV[@]}" \
     "$CFM" migrate --source-urls-file "$d/urls.txt" \
     --destination-bucket "$BUCKET" --source-url-prefix "$SRC_URL" \
     --state-dir "$d/state" --concurrency 150) \
     > "$d/stdout.txt" 2> "$d/stderr.txt" &
  tpid=$!
  cpid=""
  for _ in $(seq 100); do
    cpid=$(pgrep -P "$tpid" | head -1 || true)
    [[ -n $cpid ]] && break
    sleep 0.01
  done
  STARTUP_CPID=$cpid
  [[ -n $cpid ]] && { python3 "$RIG/proc_sampler.py" "$cpid" "$d/samples.txt" \
    0.05 & PIDS+=($!); }
  local cpu0; cpu0=$(cpu_snapshot)
  first=""
  while [[ -z $first && $waited -lt 1200 ]]; do   # 120 s at most
    sleep 0.1; waited=$((waited + 1))
    first=$(awk '$2 == "GET" { print $1; exit }' "$WORK/logs/source.log")
    kill -0 "$tpid" 2>/dev/null || break
  done
  local cpu1; cpu1=$(cpu_snapshot)
  local t1; t1=$(date +%s.%N)
  [[ -n $first ]] && sleep 5   # let it run a little: memory under load
  if [[ -n $cpid ]]; then
    kill -INT "$cpid" 2>/dev/null || true
    for _ in $(seq 300); do kill -0 "$cpid" 2>/dev/null || break; sleep 0.1; done
    kill -INT "$cpid" 2>/dev/null || true   # second signal: abort
    sleep 2
    kill -KILL "$cpid" 2>/dev/null || true
  fi
  wait "$tpid" || rc=$?
  rotate_logs "$d"
  [[ -z $first ]] && first=$(awk '$2 == "GET" { print $1; exit }' "$d/source.log")
  STARTUP_MD=$(python3 - "$d" "$start" "$first" "$rc" "$STARTUP_DONE" \
    "$cpu0" "$cpu1" "$t1" <<'PYEOF'
import os, re, sys
d, start, first, rc, done = sys.argv[1], float(sys.argv[2]), sys.argv[3], \
    sys.argv[4], int(sys.argv[5])
(b0, _), (b1, _) = (map(float, x.split()) for x in sys.argv[6:8])
t1 = float(sys.argv[8])
rss = 0
for line in open(f"{d}/time.txt"):
    if "Maximum resident set size" in line:
        rss = int(line.split(":")[1]) / 1024
samples = []
try:
    samples = [tuple(map(float, l.split())) for l in open(f"{d}/samples.txt")
               if len(l.split()) == 3]
except OSError:
    pass
gets, low = 0, None
for line in open(f"{d}/source.log"):
    p = line.split()
    if len(p) > 1 and p[1] == "GET":
        gets += 1
        m = re.search(r"/img/(\d+)\.jpg", line)
        if m:
            n = int(m.group(1))
            low = n if low is None else min(low, n)
t = float(first) - start if first else None
before = [s for s in samples if first and s[0] <= float(first)]
cpu_first = f"{before[-1][1]:.2f} s" if before else "?"
rss_first = f"{max(s[2] for s in before):.0f} MB" if before else "?"
# CPU the cfmigrate process itself used until the first GET, and what the
# rest of the machine used meanwhile (how contended the wall time was).
busy = (b1 - b0) / max(t1 - start, 1e-9)
print("| first GET after start | CPU used by then | peak RSS by then "
      "| peak RSS overall | machine busy meanwhile | GETs before stop "
      "| lowest URL index fetched | exit |")
print("|---|---|---|---|---|---|---|---|")
print(f"| {'%.2f s' % t if t is not None else 'never (120 s)'} "
      f"({'meets' if t is not None and t <= 5 else 'misses'} ≤ 5 s) | "
      f"{cpu_first} | {rss_first} | "
      f"{rss:.0f} MB ({'meets' if rss < 300 else 'misses'} < 300 MB) | "
      f"{busy:.2f} of {os.cpu_count()} CPUs | {gets} "
      f"| {low} ({'skips' if low is not None and low >= done else 'does NOT skip'}"
      f" the {done} completed) | {rc} |")
PYEOF
)
  echo "$STARTUP_MD" >&2
  echo "   cfmigrate console (first lines):" >&2
  head -n 8 "$d/stdout.txt" "$d/stderr.txt" 2>/dev/null | sed 's/^/   | /' >&2
}

# ---------------------------------------------------------------- main
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
RUN_DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
DATASET=""
if [[ $STARTUP != only ]]; then
  # Before the servers start: nginx reads the ETag map at startup.
  log "generating $FILES images under $SRC_ROOT"
  etag_map_arg=(); [[ $ETAG == md5 ]] && etag_map_arg=(--etag-map "$ETAG_MAP")
  DATASET=$(python3 "$RIG/gen_images.py" --root "$SRC_ROOT" \
    --out "$WORK/list" --url-base "$SRC_URL" --count "$FILES" \
    "${etag_map_arg[@]}")
  (( COPIES > 1 )) && python3 - "$WORK/list" "$SRC_URL" "$COPIES" <<'PYEOF'
import os, sys
d, base, k = sys.argv[1], sys.argv[2], int(sys.argv[3])
def expand(name, fn):
    with open(os.path.join(d, name)) as f:
        lines = f.read().splitlines()
    with open(os.path.join(d, name), "w") as f:
        for c in range(1, k + 1):
            for line in lines:
                f.write(fn(f"c{c}/", line) + "\n")
expand("urls.txt", lambda c, u: base + c + u[len(base):])
expand("paths.txt", lambda c, p: c + p)
# manifest: KEY-PATH TAB bytes TAB md5 TAB SOURCE-PATH
expand("manifest.tsv", lambda c, m: c + m + "\t" + m.split("\t")[0])
PYEOF
  sed "s|^$SRC_URL|$SRC_TLS_URL|" "$WORK/list/urls.txt" \
    > "$WORK/list/urls_https.txt"
  sed "s|^$SRC_URL|$SRC_TLS1_URL|" "$WORK/list/urls.txt" \
    > "$WORK/list/urls_https1.txt"
  log "dataset: $DATASET"
fi
start_servers
: > "$WORK/rclone.conf"
if [[ $STARTUP != only ]]; then
  VARIANTS=()
  read -r -a protos <<<"$PROTOS"
  CFM_HTTPS_NOTE=""
  # rclone with the same number in flight as each numeric CONCURRENCY
  # (--transfers N --checkers N), unless --transfers names one number.
  rclone_ns=$TRANSFERS
  [[ -z $rclone_ns ]] && rclone_ns=$(tr ' ' '\n' <<<"$CONCS" | grep -E '^[0-9]+$' | tr '\n' ' ')
  [[ -z ${rclone_ns// } ]] && rclone_ns=64
  for proto in "${protos[@]}"; do
    if has_tool rclone; then
      for n in $rclone_ns; do VARIANTS+=("rclone $proto $n"); done
    fi
    if has_tool cfmigrate; then
      if [[ $proto == https* ]] && ! cfm_https_supported; then
        CFM_HTTPS_NOTE="cfmigrate has no option to trust a private CA for the source, so its https variant is not run; rclone https uses --ca-cert."
        continue
      fi
      for c in $CONCS; do
        VARIANTS+=("cfmigrate $proto $c")
        [[ -n ${CFM_B:-} && " ${B_CONCS:-$CONCS} " == *" $c "* ]] &&
          VARIANTS+=("cfmigrate-b $proto $c")
      done
    fi
  done
  for run in $(seq "$REPEAT"); do
    log "round $run of $REPEAT"
    order=("${VARIANTS[@]}")
    if (( run % 2 == 0 )); then
      order=(); for ((i=${#VARIANTS[@]}-1; i>=0; i--)); do order+=("${VARIANTS[i]}"); done
    fi
    for v in "${order[@]}"; do
      read -r tool proto conc <<<"$v"
      run_variant "$tool" "$proto" "$conc" "$run"
    done
  done
fi
[[ $STARTUP != 0 ]] && startup_test

REPORT=$WORK/report.md
{
  echo "## Run of $RUN_DATE"
  echo
  echo '```'
  echo "$CMDLINE"
  echo '```'
  echo
  machine_md
  if [[ -n $DATASET ]]; then
    echo "- dataset: $DATASET (log-normal sizes, sigma 0.8, 3 files of 10.5–12 MB)"
    echo "- commands (first run of each variant):"
    for f in "$WORK"/runs/*-1/cmd.txt; do
      [[ -f $f ]] && echo "  - \`$(sed "s|$WORK|\$WORK|g" "$f")\`"
    done
    echo
    targets="1.6 0.7 0.7"; [[ $ETAG == nginx ]] && targets="1.5 0.8 0.8"
    python3 "$RIG/report.py" summarize "$RUNS" --targets "$targets"
    [[ -n ${CFM_HTTPS_NOTE:-} ]] && { echo; echo "Note: $CFM_HTTPS_NOTE"; }
  fi
  if [[ -n $STARTUP_MD ]]; then
    echo
    echo "Startup: $STARTUP_LINES-line urls.txt, $STARTUP_DONE-line completed.txt, CONCURRENCY 150; time from process start to the first GET in the origin's log (nginx \$msec), then 5 s of running, then SIGINT."
    echo
    echo "$STARTUP_MD"
  fi
} > "$REPORT"
cat "$REPORT"
if [[ -n $RESULTS ]]; then
  { echo; cat "$REPORT"; } >> "$RESULTS"
  log "appended the report to $RESULTS"
fi
