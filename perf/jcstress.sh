#!/usr/bin/env bash
# Runs the jcstress tests of the perf module (the cross-thread contracts of the engine's lock-free
# state) and writes the report under perf/results/.
# usage: perf/jcstress.sh [jcstress args...]   e.g. perf/jcstress.sh -t ReplayWindowStress -m quick
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -ntp -q -pl perf -am package -DskipTests dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
root=$(pwd)
cp="$root/perf/target/classes:$(cat perf/target/classpath.txt)"
out="$root/perf/results/$(date +%Y-%m-%d)-jcstress"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# jcstress drops its binary result log in the working directory: keep it out of the checkout.
(cd "$work" && java -cp "$cp" org.openjdk.jcstress.Main -r "$work/report" "$@") | tee "$work/run.txt"
# The summary (totals and every test's verdict) is what is kept; the progress lines are not.
sed -n '/^RUN RESULTS:/,$p' "$work/run.txt" | grep -v 'HTML report generated' > "$out.txt"
echo "results: $out.txt"
