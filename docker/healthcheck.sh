#!/bin/bash
# The image's HEALTHCHECK: asks the node's own HTTP API, healthy when GET /health answers 200 (it never needs the
# token, and answers 503 while the node starts or stops). Plain bash, no Node.js: a check that starts a Node process
# costs ~50 MB and a CPU burst, and on a loaded host Docker 20.10 let timed-out checks pile up (2 per container at
# 36 containers), which starved the nodes themselves.
exec 3<> "/dev/tcp/127.0.0.1/${P2P_HTTP_PORT:-5000}" || exit 1
printf 'GET /health HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
read -t 3 -r status <&3 || exit 1
[[ $status == HTTP/1.?' 200'* ]]
