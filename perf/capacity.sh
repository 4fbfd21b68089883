#!/usr/bin/env bash
# Per-node capacity: ONE chainmesh node, then ONE FluxOS-style node, each alone in its process and fed pre-signed
# traffic from many origins by a load generator in another process over TCP on 127.0.0.1, alternating round after
# round; writes perf/results/<date>-node-capacity.{md,json} (the suite's part "capacity", see perf/SUITE.md).
# usage: [CAPACITY_ROUNDS=3] [CAPACITY_JFR=1] perf/capacity.sh [--quick] [--name node-capacity]
#   CAPACITY_JFR=1 profiles the first round's nodes (JFR for chainmesh, V8 --cpu-prof for FluxOS-style) into the report.
#   Every process it starts inherits its niceness: `nice -n 10 perf/capacity.sh` treats both sides alike.
set -euo pipefail
cd "$(dirname "$0")/.."
name=node-capacity
for a in "$@"; do [ "$a" = "--quick" ] && name=node-capacity-quick; done
exec perf/run.sh --only capacity --name "$name" "$@"
