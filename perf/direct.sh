#!/usr/bin/env bash
# Runs the direct messaging harness (chainmesh vs raw Netty, same run) and writes
# perf/results/<date>-direct.json and .md.
# usage: [ROUNDS=5] perf/direct.sh [warmupSeconds=5] [measureSeconds=10]
# Throughput rounds alternate five producers: raw event-loop ceiling, chainmesh on the event loop, raw ceiling
# with in-place receive, chainmesh from a caller thread, raw caller thread; each round runs warmup/2 + measure/2 s.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -ntp -q -pl perf -am package -DskipTests dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
cp="perf/target/classes:$(cat perf/target/classpath.txt)"
java -Drounds="${ROUNDS:-5}" -Dio.netty.leakDetection.level=disabled --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -Xms256m -Xmx512m -cp "$cp" \
  io.chainmesh.perf.direct.DirectMessagingHarness "${1:-5}" "${2:-10}" perf/results
