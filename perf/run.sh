#!/usr/bin/env bash
# The whole performance suite in one command: builds perf (with the modules it needs), then runs
# io.chainmesh.perf.suite.PerfSuite, which measures chainmesh against the raw Netty ceiling, Aeron and the
# FluxOS-style Node.js baseline in this run on this machine, and writes
#   perf/results/<date>-suite[-quick].json   raw figures, machine facts, versions
#   perf/results/<date>-suite[-quick].md     headline ratios and tables
#   perf/results/charts/<date>-suite*.png    charts
# A full run also refreshes the latest table in perf/README.md.
# usage: perf/run.sh [--quick] [--only pointToPoint,encryption,broadcast,sideBySide,scaling,jmh,capacity] [--name NAME]
#   full run <= 15 min, --quick <= 2 min (CI smoke) on a 2-core machine. Needs java 17+, node + npm.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
./mvnw -B -ntp -q -pl perf -am package -DskipTests dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
cp="perf/target/classes:$(cat perf/target/classpath.txt)"
commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
# Dirty = code differs from the commit; result files of an earlier run do not count.
if [ -n "$(git status --porcelain --untracked-files=no -- . ':(exclude)perf/results' 2>/dev/null)" ]; then commit="$commit-dirty"; fi
# Agrona 2.x needs the jdk.internal.misc export (JMH forks inherit these options); Aeron's transport poller
# reads the selector's key set through sun.nio.ch. Leak detection off: this measures, the tests check leaks.
java -Djava.awt.headless=true -Dio.netty.leakDetection.level=disabled \
  --add-exports java.base/jdk.internal.misc=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED \
  -Xms512m -Xmx2g -Dchainmesh.commit="$commit" -Dchainmesh.perf.command="perf/run.sh $*" \
  -cp "$cp" io.chainmesh.perf.suite.PerfSuite "$@"
echo "perf/run.sh: $(( $(date +%s) - start )) s including the build" >&2
