#!/usr/bin/env bash
# Record layer cost: point-to-point throughput and RTT, PLAINTEXT vs AES_GCM vs CHACHA20_POLY1305 in the
# same run, 64 B and 16 KiB payloads; writes perf/results/<date>-encryption.json and .md.
# usage: perf/encryption.sh [warmupSeconds=3] [measureSeconds=4] [rounds=3]
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -ntp -q -pl perf -am package -DskipTests dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
cp="perf/target/classes:$(cat perf/target/classpath.txt)"
java -Dio.netty.leakDetection.level=disabled --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -Xms256m -Xmx512m -cp "$cp" \
  io.chainmesh.perf.record.EncryptionComparison "${1:-3}" "${2:-4}" "${3:-3}" perf/results
