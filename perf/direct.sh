#!/usr/bin/env bash
# Runs the direct messaging harness (chainmesh vs raw Netty, same run) and writes
# perf/results/<date>-direct.json and .md.
# usage: perf/direct.sh [warmupSeconds=5] [measureSeconds=10]
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -ntp -q -pl perf -am package -DskipTests dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
cp="perf/target/classes:$(cat perf/target/classpath.txt)"
java -Dio.netty.leakDetection.level=disabled --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -Xms256m -Xmx512m -cp "$cp" \
  io.chainmesh.perf.direct.DirectMessagingHarness "${1:-5}" "${2:-10}" perf/results
