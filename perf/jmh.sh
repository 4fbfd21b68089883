#!/usr/bin/env bash
# Runs JMH benchmarks of the perf module and writes JSON + text results under perf/results/.
# usage: perf/jmh.sh <name> [JMH args...]
#   e.g. perf/jmh.sh codec 'BatchCodecBenchmark' -prof gc -f 1 -wi 3 -i 5
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:?usage: perf/jmh.sh <result-name> [jmh args...]}; shift
# One reactor run, so sibling modules resolve to their freshly built jars.
./mvnw -B -ntp -q -pl perf -am package -DskipTests dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
cp="perf/target/classes:$(cat perf/target/classpath.txt)"
out="perf/results/$(date +%Y-%m-%d)-$name"
# Forks inherit the host JVM options, including the export Agrona 2.x needs.
java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -cp "$cp" org.openjdk.jmh.Main -rf json -rff "$out.json" "$@" | tee "$out.txt"
echo "results: $out.json, $out.txt"
