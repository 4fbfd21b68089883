#!/usr/bin/env bash
# In-process devnet at a fixed publish rate over growing member counts, one after the other in one shell run:
# p50/p99 publish-to-deliver latency, repair frames per published batch, missing deliveries.
# Writes perf/results/<date>-devnet-scaling.md (and the per-run JSON reports next to it).
# usage: perf/devnet-scaling.sh [rate=100] [duration=10] [nodes...=16 32 64 128]
# Needs node/target/chainmesh.jar (./mvnw -B -ntp -pl node -am package -DskipTests).
set -euo pipefail
cd "$(dirname "$0")/.."
rate="${1:-100}"; duration="${2:-10}"; shift $(( $# > 2 ? 2 : $# ))
sizes=("${@:-16 32 64 128}"); [ $# -eq 0 ] && sizes=(16 32 64 128)
day="$(date -u +%F)"
out="perf/results/${day}-devnet-scaling.md"
{
  echo "# devnet --rate ${rate} --duration ${duration}: scaling in one JVM"
  echo
  echo "Command: \`perf/devnet-scaling.sh ${rate} ${duration} ${sizes[*]}\` ($(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the start)."
  echo
  echo "| nodes | published | p50 ms | p99 ms | batches published | repair frames | repair frames per batch | missing | duplicates | passed |"
  echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
} > "$out"
for n in "${sizes[@]}"; do
  report="perf/results/${day}-devnet-scaling-${n}.json"
  java -Xmx2g -jar node/target/chainmesh.jar devnet --nodes "$n" --rate "$rate" --duration "$duration" \
    --report "$report" > "perf/results/${day}-devnet-scaling-${n}.log" 2>&1 || true
  python3 - "$report" "$n" >> "$out" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
lat = r["latencyMicros"]
per = r["repairFrames"] / max(1, r["batchesPublished"])
print(f"| {sys.argv[2]} | {r['published']:,} | {lat['p50']/1000:.1f} | {lat['p99']/1000:.1f} | {r['batchesPublished']:,} | "
      f"{r['repairFrames']:,} | {per:.2f} | {r['missing']:,} | {r['duplicates']:,} | {r['passed']} |")
PY
done
echo "wrote $out"
