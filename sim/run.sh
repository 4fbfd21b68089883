#!/usr/bin/env bash
# Runs one simulation: compiles the sim module and its engine (reactor, nothing installed), then
#   java -cp <classes and dependencies> io.chainmesh.sim.SimMain "$@"
# SIM_HEAP (default 8g) sizes the heap; direct memory holds each member's retention ring.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -ntp -q -pl sim -am compile dependency:build-classpath -Dmdep.outputFile=target/sim.classpath \
  -Dmdep.includeScope=runtime >/dev/null
cp="sim/target/classes:$(cat sim/target/sim.classpath)"
for m in codec chain-adapter engine; do cp="$cp:$m/target/classes"; done
exec java -Xms1g -Xmx"${SIM_HEAP:-8g}" -XX:MaxDirectMemorySize="${SIM_DIRECT:-4g}" \
  --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -cp "$cp" io.chainmesh.sim.SimMain "$@"
