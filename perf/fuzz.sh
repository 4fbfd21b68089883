#!/usr/bin/env bash
# Runs every Jazzer fuzz target coverage-guided, one JVM per target (Jazzer fuzzes one target per run), and
# writes per target: inputs run, inputs/s, edges covered, corpus growth, peak RSS and findings, to
#   perf/results/fuzz-<name>.md and perf/results/fuzz-<name>.json   (raw libFuzzer logs: perf/results/tmp/)
# usage: perf/fuzz.sh [--minutes M | --seconds S] [--runs N] [--name NAME] [TARGET...]
#        perf/fuzz.sh --report-only --seconds S --runs N --name NAME   (re-render from perf/results/tmp/fuzz-NAME/index.tsv,
#        e.g. after merging the index lines of runs made in parallel)
#   TARGET is module:Class#method (default: all, see TARGETS below); a target stops after S seconds or N
#   inputs, whichever comes first. Findings land as crash-* files in the target's Jazzer inputs directory
#   (src/test/resources/<package>/<Class>Inputs/<method>/), where the default test run replays them.
# Run it niced on a shared machine:  nice -n 10 perf/fuzz.sh --minutes 4 --name all
set -euo pipefail
cd "$(dirname "$0")/.."

TARGETS=(
  codec:CodecFuzzTest#frameDecoder
  codec:CodecFuzzTest#batchDecoder
  codec:CodecFuzzTest#directDecoder
  codec:CodecFuzzTest#pingDecoder
  codec:CodecFuzzTest#controlCodec
  codec:CodecFuzzTest#recordOpen
  codec:CodecFuzzTest#bitcoinMessage
  codec:CodecFuzzTest#publicKey
  chain-adapter:ChainFuzzTest#nodeListParser
  chain-adapter:ChainFuzzTest#jsonFileSource
  chain-adapter:ChainFuzzTest#endpointParser
  chain-adapter:ChainFuzzTest#fluxConf
  engine:HandshakeFuzzTest#handshake
  engine:CommitFuzzTest#commitStage
)

seconds=240
runs=-1
name="$(date -u +%Y-%m-%d)"
selected=()
report_only=0
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) seconds=$(( $2 * 60 )); shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --name) name=$2; shift 2 ;;
    --report-only) report_only=1; shift ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) selected+=("$1"); shift ;;
  esac
done
[ ${#selected[@]} -eq 0 ] && selected=("${TARGETS[@]}")

logs="perf/results/tmp/fuzz-$name"
mkdir -p "$logs"
rm -f "$logs/index.tsv.new"
# FUZZ_COMMIT names the code when the run happens in an exported copy (git archive) of a commit.
commit="${FUZZ_COMMIT:-$(git rev-parse --short HEAD 2>/dev/null || echo unknown)}"
if [ -z "${FUZZ_COMMIT:-}" ] && [ -n "$(git status --porcelain --untracked-files=no -- . ':(exclude)perf/results' 2>/dev/null)" ]; then
  commit="$commit-dirty"
fi
if [ $report_only -eq 0 ]; then
  modules=$(printf '%s\n' "${selected[@]}" | cut -d: -f1 | sort -u | paste -sd, -)
  ./mvnw -B -ntp -q -pl "$modules" -am test-compile

  for target in "${selected[@]}"; do
    module="${target%%:*}"
    test="${target#*:}"
    log="$logs/${test//#/.}.log"
    inputs_dir="$module/src/test/resources"
    before=$(find "$inputs_dir" -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' 2>/dev/null | sort)
    echo "fuzz: $target for ${seconds}s (runs $runs) -> $log" >&2
    start=$(date +%s)
    status=0
    ./mvnw -B -ntp -Pfuzz -pl "$module" -am test -Dtest="$test" -Dsurefire.failIfNoSpecifiedTests=false \
      -Dfuzz.seconds="$seconds" -Dfuzz.runs="$runs" > "$log" 2>&1 || status=$?
    after=$(find "$inputs_dir" -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' 2>/dev/null | sort)
    new=$(comm -13 <(echo "$before") <(echo "$after") | grep -v '^$' | paste -sd' ' - || true)
    printf '%s\t%s\t%s\t%s\t%s\n' "$target" "$status" "$(( $(date +%s) - start ))" "$log" "$new" >> "$logs/index.tsv.new"
  done
  mv "$logs/index.tsv.new" "$logs/index.tsv"
fi

# One row per target from libFuzzer's final statistics (-print_final_stats=1) and its last status line.
stat() { grep -a "^stat::$2:" "$1" | tail -1 | awk '{print $2}'; }
md="perf/results/fuzz-$name.md"
json="perf/results/fuzz-$name.json"
{
  echo "# Fuzz run \`$name\`"
  echo
  echo "Command: \`nice -n 10 perf/fuzz.sh --seconds $seconds --runs $runs --name $name\` at commit \`$commit\`, $(nproc) cores, $(java -version 2>&1 | head -1)."
  echo "Jazzer $(grep -m1 -o '<jazzer.version>[^<]*' pom.xml | cut -d'>' -f2) (libFuzzer), one JVM per target, heap 1 GiB, one input slower than 10 s is a finding."
  echo "Edges: instrumented branch edges covered at the end (libFuzzer \`cov\`); features: \`ft\`; corpus: entries / bytes."
  echo
  echo "| target | inputs run | inputs/s | edges | features | corpus | new inputs | peak RSS MB | wall s | findings |"
  echo "| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | --- |"
} > "$md"
echo "{\"name\": \"$name\", \"commit\": \"$commit\", \"seconds\": $seconds, \"runs\": $runs, \"targets\": [" > "$json"
first=1
while IFS=$'\t' read -r target status wall log new; do
  executed=$(stat "$log" number_of_executed_units); rate=$(stat "$log" average_exec_per_sec)
  added=$(stat "$log" new_units_added); rss=$(stat "$log" peak_rss_mb)
  last=$(grep -a -E '^#[0-9]+.*cov: ' "$log" | tail -1 || true)
  cov=$(echo "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p'); ft=$(echo "$last" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
  corp=$(echo "$last" | sed -n 's/.*corp: \([^ ]*\).*/\1/p')
  exceptions=$(grep -a -c '^== Java Exception' "$log" || true)
  findings="none"
  if [ "$status" != 0 ] || [ -n "$new" ] || [ "${exceptions:-0}" != 0 ]; then findings="exit $status; ${exceptions:-0} exception(s); ${new:-no new input files}"; fi
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$target" "${executed:-?}" "${rate:-?}" "${cov:-?}" \
    "${ft:-?}" "${corp:-?}" "${added:-?}" "${rss:-?}" "$wall" "$findings" >> "$md"
  [ $first -eq 1 ] || echo "," >> "$json"
  first=0
  printf '  {"target": "%s", "inputs": %s, "inputsPerSecond": %s, "edges": %s, "features": %s, "corpus": "%s", "newInputs": %s, "peakRssMb": %s, "wallSeconds": %s, "exitStatus": %s, "findings": "%s"}' \
    "$target" "${executed:-null}" "${rate:-null}" "${cov:-null}" "${ft:-null}" "${corp:-}" "${added:-null}" "${rss:-null}" \
    "$wall" "$status" "$findings" >> "$json"
done < "$logs/index.tsv"
printf '\n]}\n' >> "$json"
cat "$md"
