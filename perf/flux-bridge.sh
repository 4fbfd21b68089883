#!/usr/bin/env bash
# FluxOS messages bridged over 16 chainmesh nodes vs the FluxOS-style flood (perf/baselines/fluxos), same run;
# writes perf/results/<date>-flux-bridge.json and .md. Needs node and npm.
# usage: perf/flux-bridge.sh [messages=600] [ratePerSecond=100]
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -ntp -q -pl perf -am package -DskipTests dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
cp="perf/target/classes:$(cat perf/target/classpath.txt)"
java -Dio.netty.leakDetection.level=disabled --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -Xms512m -Xmx2g -cp "$cp" \
  io.chainmesh.perf.flux.FluxBridgeHarness "${1:-600}" "${2:-100}" perf/results
