#!/usr/bin/env bash
# Runs one simulation: compiles the sim module and its engine (reactor, nothing installed), copies the classes
# (so a long run is not disturbed by a rebuild), then runs java -cp <classes and dependencies> SimMain "$@".
# SIM_HEAP (default 8g) sizes the heap; SIM_DIRECT (default 4g) the direct memory of the retention rings.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -ntp -q -pl sim -am compile dependency:build-classpath -Dmdep.outputFile=target/sim.classpath \
  -Dmdep.includeScope=runtime >/dev/null
classes="$(mktemp -d)"
trap 'rm -rf "$classes"' EXIT
cp="$(cat sim/target/sim.classpath)"
for m in sim codec chain-adapter engine; do
  cp -r "$m/target/classes" "$classes/$m"
  cp="$classes/$m:$cp"
done
java -Xms1g -Xmx"${SIM_HEAP:-8g}" -XX:MaxDirectMemorySize="${SIM_DIRECT:-4g}" \
  --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -cp "$cp" io.chainmesh.sim.SimMain "$@"
