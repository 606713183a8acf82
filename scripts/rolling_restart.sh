#!/usr/bin/env bash
# Restart csbot instances one at a time behind the proxy, each only once the previous one is ready again.
#
#   scripts/rolling_restart.sh 8001 8002 ...
#
# For each port: run the restart command, wait until the old process has gone
# (its sockets got 1001 and resume on the other instances through the proxy),
# then wait until GET /readyz on that port answers 200 before the next one.
# The proxy skips a refused instance on its own (proxy_next_upstream error),
# so nothing is reconfigured.
#
#   CSBOT_RESTART_CMD   command for one instance, {port} replaced (default: systemctl restart csbot@{port})
#   CSBOT_READY_HOST    where the instances listen (default 127.0.0.1; must be in ALLOWED_HOSTS)
#   CSBOT_READY_TIMEOUT seconds to wait for readiness (default 120: the bot's encoder may load first)
#   CSBOT_SETTLE_S      seconds to wait after one is ready before the next stops (default 2): the
#                       customers of the next one come back to the instances that are up, so let
#                       the restarted one finish its start first. The proxy never marks an instance
#                       down (max_fails=0 in docs/ops/nginx), so it takes them as soon as it is ready.
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: $0 PORT [PORT ...]" >&2; exit 2; }
restart_cmd=${CSBOT_RESTART_CMD:-"systemctl restart csbot@{port}"}
host=${CSBOT_READY_HOST:-127.0.0.1}
ready_timeout=${CSBOT_READY_TIMEOUT:-120}
settle=${CSBOT_SETTLE_S:-2}

status() { curl -s -o /dev/null -w '%{http_code}' --max-time 3 "http://$host:$1/readyz" || true; }

for port in "$@"; do
    [ "$(status "$port")" = 200 ] || { echo "instance $port is not ready before its restart: stopping the roll" >&2; exit 1; }
    echo "restarting $port"
    started=$(date +%s.%N)
    eval "${restart_cmd//\{port\}/$port}"
    # The old process answers until it has gone; a new one never answers that soon.
    for _ in $(seq 1 100); do [ "$(status "$port")" = 200 ] || break; sleep 0.1; done
    deadline=$(( $(date +%s) + ready_timeout ))
    until [ "$(status "$port")" = 200 ]; do
        if [ "$(date +%s)" -ge "$deadline" ]; then echo "instance $port not ready after ${ready_timeout}s: stopping the roll" >&2; exit 1; fi
        sleep 0.2
    done
    awk -v p="$port" -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "instance %s ready again after %.1f s\n", p, b - a }'
    sleep "$settle"
done
echo "rolled $# instance(s)"
