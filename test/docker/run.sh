#!/usr/bin/env bash
# npm run test:docker: the Docker image and compose network, for real. Starts its own dockerd (Debian's docker.io,
# installed if missing), supplies the base image locally (no registry here), builds with the legacy builder, brings
# up a bootstrap and 5 nodes, scales to 20 nodes, checks membership, broadcast, kill, pause, unpause and a graceful
# stop through the HTTP API, then tears everything down, its dockerd included. Skips (exit 0, one line saying
# why) where Docker cannot run. Every wait is a poll with a deadline (test/docker/probe.mjs).
set -uo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD

# P2P_REQUIRE_DOCKER=1 (for CI on a machine known to run Docker) turns a skip into a failure
skip () {
  if [ "${P2P_REQUIRE_DOCKER:-}" = 1 ]; then echo "docker: 0 passed, 1 failed: $*"; exit 1; fi
  echo "docker: skipped: $*"; exit 0
}
passed=0 failed=0
pass () { passed=$((passed + 1)); echo "  ok   $*"; }
fail () { failed=$((failed + 1)); echo "  FAIL $*"; }
# check NAME COMMAND...: runs the command, prints its last line beside the verdict
check () { local name=$1 out; shift; if out=$("$@" 2>&1); then pass "$name: ${out##*$'\n'}"; else fail "$name: ${out##*$'\n'}"; fi; }
probe () { node test/docker/probe.mjs "$@"; }   # npm puts node_modules/.bin (Node 24) first on PATH
now () { date +%s.%N; }
since () { awk "BEGIN { printf \"%.1f s\", $(now) - $1 }"; }

[ "$(id -u)" = 0 ] || skip "needs root to start its own dockerd (run as root, or in CI)"
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)' 2>/dev/null \
  || skip "needs Node.js 18+ on PATH for the probes (run it through npm)"

# --- tools: Debian's docker.io and docker-compose, debootstrap for the base image ----------------------------------
if [ ! -x /usr/sbin/dockerd ] || ! command -v docker-compose > /dev/null || ! command -v debootstrap > /dev/null; then
  command -v apt-get > /dev/null || skip "docker.io is not installed and there is no apt-get to install it"
  echo "installing docker.io docker-compose debootstrap with apt..."
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io docker-compose debootstrap; } \
    > /tmp/p2p-docker-apt.log 2>&1 || skip "apt-get install docker.io failed (see /tmp/p2p-docker-apt.log)"
fi
# Debian's client, matching its daemon (another docker earlier on PATH may be a different version)
DOCKER=/usr/bin/docker
# COMPOSE_HTTP_TIMEOUT: starting 30 containers on a loaded 2-core host took dockerd longer than compose 1.29's 60 s
export DOCKER DOCKER_BUILDKIT=0 COMPOSE_DOCKER_CLI_BUILD=0 COMPOSE_HTTP_TIMEOUT=300

# --- our own dockerd ---------------------------------------------------------------------------------------------
# Socket, pid file and exec root in a temp dir; the data root is kept (P2P_DOCKER_CACHE) so that the base image and
# the build cache make a second run fast. --iptables=false --ip-forward=false --bridge=none: it leaves the host's
# firewall and forwarding alone (the network-namespace suite shares this machine); containers on one compose bridge
# and ports published through docker-proxy need neither; builds use the host's network.
cache=${P2P_DOCKER_CACHE:-/var/cache/p2p-node-docker}
tmp=$(mktemp -d /tmp/p2p-docker.XXXXXX)
export DOCKER_HOST=unix://$tmp/docker.sock
project=p2pdockertest
compose () { docker-compose -p "$project" -f docker/compose.yml "$@"; }
dockerd_pid=

cleanup () {
  if [ -n "$dockerd_pid" ]; then
    if [ "$failed" != 0 ]; then   # keep what explains a failure
      mkdir -p test-results/docker
      compose logs --no-color > test-results/docker/compose.log 2>&1
      cp "$tmp"/*.log test-results/docker/ 2> /dev/null
      echo "docker: logs in test-results/docker/"
    fi
    compose down -v --timeout 5 > "$tmp/down.log" 2>&1 || echo "docker: compose down failed (see $tmp/down.log)"
    kill "$dockerd_pid" 2> /dev/null
    for _ in $(seq 100); do kill -0 "$dockerd_pid" 2> /dev/null || break; sleep 0.2; done
    kill -9 "$dockerd_pid" 2> /dev/null
    # anything dockerd left mounted under our temp dir (after a kill -9)
    grep -o " $tmp[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2> /dev/null
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$cache"
# one run at a time: two dockerds must not share a data root
exec 9> "$cache/lock"
flock -w 900 9 || skip "another run has held $cache/lock for 15 minutes"
/usr/sbin/dockerd --data-root "$cache/data-root" --exec-root "$tmp/exec" --pidfile "$tmp/dockerd.pid" \
  -H "$DOCKER_HOST" --iptables=false --ip-forward=false --bridge=none > "$tmp/dockerd.log" 2>&1 9>&- &
dockerd_pid=$!
for _ in $(seq 60); do $DOCKER version > /dev/null 2>&1 && break; kill -0 "$dockerd_pid" 2> /dev/null || break; sleep 0.5; done
$DOCKER version > /dev/null 2>&1 || skip "dockerd did not start: $(tail -1 "$tmp/dockerd.log")"
echo "docker: dockerd $($DOCKER version -f '{{.Server.Version}}') (pid $dockerd_pid), data root $cache/data-root"

# --- the base image, then ours -----------------------------------------------------------------------------------
base=$(sed -n 's/^ARG NODE_IMAGE=//p' docker/Dockerfile)
if ! $DOCKER image inspect "$base" > /dev/null 2>&1; then
  t=$(now)
  DEBOOTSTRAP_CACHE=$cache/debs bash test/docker/base-image.sh "$base" || { fail "base image $base"; exit 1; }
  echo "  base image made in $(since "$t")"
fi
export P2P_IMAGE=p2p-node:test
t=$(now)
if $DOCKER build --network host -f docker/Dockerfile -t "$P2P_IMAGE" . > "$tmp/build.log" 2>&1; then
  pass "image built in $(since "$t"), $($DOCKER image inspect -f '{{.Size}}' "$P2P_IMAGE" | awk '{printf "%.0f MB", $1 / 1e6}')"
else
  tail -20 "$tmp/build.log"; fail "docker build"; exit 1
fi
$DOCKER image prune -f > /dev/null   # the previous build's image, now untagged
check "runs as a non-root user" test "$($DOCKER run --rm --network none --entrypoint id "$P2P_IMAGE" -u)" != 0

# --- a bootstrap and 5 nodes -------------------------------------------------------------------------------------
for port in 5000 5001 5002 5003 5004 5005; do
  node -e "require('net').connect($port, '127.0.0.1').on('connect', () => process.exit(1)).on('error', () => process.exit(0))" \
    || { fail "host port $port is already in use on 127.0.0.1: compose publishes 5000-5005"; exit 1; }
done
export P2P_HTTP_TOKEN=docker-test-$RANDOM$RANDOM
fixed=(5000 5001 5002 5003 5004 5005)
t=$(now)
compose up -d > "$tmp/up.log" 2>&1 || { tail -20 "$tmp/up.log"; fail "compose up"; exit 1; }
check "bootstrap + 5 nodes up ($(since "$t")), then" probe converged 90 6 "${fixed[@]}"
check "/health needs no token" curl -sf -o /dev/null http://127.0.0.1:5001/health
check "other paths need the token" test "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:5001/members)" = 401
read -r node1_id _ node1_addrs < <(probe info 5001)
check "node-1 announces its container address, not 127.0.0.1 ($node1_addrs)" \
  bash -c "[[ '$node1_addrs' == /ip4/172.* || '$node1_addrs' == /ip4/10.* ]] && [[ '$node1_addrs' != */127.0.0.1/* ]]"
id=$(probe broadcast 5001 "hello from node-1")
check "broadcast from node-1 reaches node-2..5" probe delivered 30 "$id" 5002 5003 5004 5005
boot_id=$(probe info 5000 | cut -d' ' -f1)
compose restart bootstrap > /dev/null 2>&1
check "the network is whole again after the bootstrap's restart" probe converged 60 6 "${fixed[@]}"
check "the bootstrap kept its peer id (its key is in a volume)" test "$(probe info 5000 | cut -d' ' -f1)" = "$boot_id"
check "the bootstrap is healthy by its HEALTHCHECK" \
  bash -c "for _ in \$(seq 60); do [ \"\$($DOCKER inspect -f '{{.State.Health.Status}}' ${project}_bootstrap_1)\" = healthy ] && exit 0; sleep 0.5; done; exit 1"

# --- scaled to 20 nodes ------------------------------------------------------------------------------------------
scale=${P2P_DOCKER_SCALE:-15}
total=$((1 + 5 + scale))
t=$(now)
compose up -d --scale node="$scale" > "$tmp/scale.log" 2>&1 || { tail -20 "$tmp/scale.log"; fail "compose up --scale"; exit 1; }
# every node's published port and container id, by the compose labels
mapfile -t rows < <($DOCKER ps --filter "label=com.docker.compose.project=$project" \
  --format '{{.ID}} {{.Label "com.docker.compose.service"}} {{.Ports}}')
ports=() scaled_ids=() scaled_ports=()
for row in "${rows[@]}"; do
  read -r cid service _ <<< "$row"
  port=$(grep -o '127.0.0.1:[0-9]*->5000' <<< "$row" | cut -d: -f2 | cut -d- -f1)
  ports+=("$port")
  [ "$service" = node ] && scaled_ids+=("$cid") && scaled_ports+=("$port")
done
check "${#ports[@]} containers running" test "${#ports[@]}" = "$total"
check "scaled to $scale more nodes ($(since "$t")), then" probe converged 180 "$total" "${ports[@]}"
check "memory" probe memory "${ports[@]}"
check "memory per container" bash -c "$DOCKER stats --no-stream --format '{{.MemUsage}}' | awk '{ v = \$1; if (v ~ /GiB/) v *= 1024; sub(/[A-Za-z]+/, \"\", v); s += v; if (v > m) m = v } END { printf \"%d containers, mean %.0f MiB, max %.0f MiB\n\", NR, s / NR, m }'"

# --- kill one, pause another -------------------------------------------------------------------------------------
# victims: two of the scaled nodes; the sender: node-2 (port 5002); the rest must see them go
victim_ids=("${scaled_ids[0]}" "${scaled_ids[1]}") victim_ports=("${scaled_ports[0]}" "${scaled_ports[1]}")
killed=$(probe info "${victim_ports[0]}" | cut -d' ' -f1) paused=$(probe info "${victim_ports[1]}" | cut -d' ' -f1)
survivors=() ; for p in "${ports[@]}"; do [[ " ${victim_ports[*]} " == *" $p "* ]] || survivors+=("$p"); done
others=() ; for p in "${survivors[@]}"; do [ "$p" = 5002 ] || others+=("$p"); done
# runc's cgroup-v1 freezer can fail on a busy container ("unable to freeze"): try again, a bounded number of times
pause () { for _ in 1 2 3 4 5; do $DOCKER pause "$1" > /dev/null 2>&1 && return 0; sleep 0.2; done; return 1; }
export PROBE_SINCE=$(date +%s%3N)
$DOCKER kill "${victim_ids[0]}" > /dev/null
check "killed: every survivor saw it suspect or dead after" probe state 30 "$killed" suspect,dead "${survivors[@]}"
check "killed: every survivor saw it dead after" probe state 60 "$killed" dead,unknown "${survivors[@]}"
export PROBE_SINCE=$(date +%s%3N)
check "docker pause" pause "${victim_ids[1]}"
check "paused: every survivor saw it suspect or dead after" probe state 60 "$paused" suspect,dead "${survivors[@]}"
check "paused: every survivor saw it dead after" probe state 60 "$paused" dead "${survivors[@]}"
unset PROBE_SINCE
id=$(probe broadcast 5002 "after kill and pause")
check "a broadcast still reaches all ${#others[@]} other survivors" probe delivered 30 "$id" "${others[@]}"
$DOCKER unpause "${victim_ids[1]}" > /dev/null
check "unpaused: alive again in every survivor's view after" probe state 90 "$paused" alive "${survivors[@]}"
id=$(probe broadcast 5002 "after unpause")
check "and it gets broadcasts again" probe delivered 30 "$id" "${victim_ports[1]}"
check "the killed container stayed down (docker kill is not a failure to restart)" \
  test "$($DOCKER inspect -f '{{.State.Running}}' "${victim_ids[0]}")" = false

# --- a graceful stop: SIGTERM through tini, the node says goodbye ------------------------------------------------
t=$(now)
$DOCKER stop -t 10 "${victim_ids[1]}" > /dev/null
check "docker stop took $(since "$t"), exit code" test "$($DOCKER inspect -f '{{.State.ExitCode}}' "${victim_ids[1]}")" = 0
check "the stopped node is seen left by every survivor in" probe state 20 "$paused" left "${survivors[@]}"

echo "docker: $passed passed, $failed failed"
[ "$failed" = 0 ]
