#!/usr/bin/env bash
# Runs Jazzer fuzz targets coverage-guided, one JVM per target (Jazzer fuzzes one target per run), and writes per
# target: inputs run, inputs/s, edges covered, corpus growth, peak RSS, load average, findings, and how long the
# input-count goal takes at the measured rate, to
#   perf/results/<name>-fuzz.md and perf/results/<name>-fuzz.json   (name: today's date, YYYY-MM-DD, by default;
#   raw libFuzzer logs: perf/results/tmp/fuzz-<name>/)
# usage: perf/fuzz.sh [--minutes M | --seconds S] [--runs N | --goal] [--name NAME] [--list] [TARGET[=RUNS]...]
#        perf/fuzz.sh --report-only [--name NAME]   (re-render from perf/results/tmp/fuzz-NAME/index.tsv, e.g. after
#        concatenating the index lines of runs made in parallel)
#   TARGET is module:Class#method, or a unique part of it (e.g. handshake, node:); default: every target (--list).
#   A target stops after S seconds (default 240; 0: no time limit) or its input-count limit, whichever comes first:
#   RUNS after TARGET=, else --runs N, else with --goal its goal (10,000,000 inputs per stateless target,
#   1,000,000 event sequences per stateful one). On a quiet machine the whole goal is one command:
#     nice -n 15 perf/fuzz.sh --goal --seconds 0
#   Findings land as crash-* files in the target's Jazzer inputs directory
#   (src/test/resources/<package>/<Class>Inputs/<method>/), where the default test run replays them.
# Run it niced on a shared machine:  nice -n 15 perf/fuzz.sh --minutes 4
set -euo pipefail
cd "$(dirname "$0")/.."

STATELESS_GOAL=10000000
STATEFUL_GOAL=1000000
# target  kind (stateless: one input is one parse; stateful: one input is one event sequence)
TARGETS=(
  "codec:CodecFuzzTest#frameDecoder stateless"
  "codec:CodecFuzzTest#batchDecoder stateless"
  "codec:CodecFuzzTest#directDecoder stateless"
  "codec:CodecFuzzTest#pingDecoder stateless"
  "codec:CodecFuzzTest#controlCodec stateless"
  "codec:CodecFuzzTest#recordOpen stateless"
  "codec:CodecFuzzTest#bitcoinMessage stateless"
  "codec:CodecFuzzTest#publicKey stateless"
  "chain-adapter:ChainFuzzTest#nodeListParser stateless"
  "chain-adapter:ChainFuzzTest#jsonFileSource stateless"
  "chain-adapter:ChainFuzzTest#endpointParser stateless"
  "chain-adapter:ChainFuzzTest#fluxConf stateless"
  "node:StatusHttpFuzzTest#httpRequest stateless"
  "node:AppFrameFuzzTest#appFrame stateless"
  "node:AppControlFuzzTest#appControl stateless"
  "node:FluxEnvelopeFuzzTest#fluxEnvelope stateless"
  "node:FluxEnvelopeFuzzTest#fluxCheck stateless"
  "node:FluxEnvelopeFuzzTest#jsJson stateless"
  "engine:HandshakeFuzzTest#handshake stateful"
  "engine:CommitFuzzTest#commitStage stateful"
)

seconds=240
runs=""
goal=0
name="$(date -u +%Y-%m-%d)"
patterns=()
report_only=0
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) seconds=$(( $2 * 60 )); shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --goal) goal=1; shift ;;
    --name) name=$2; shift 2 ;;
    --report-only) report_only=1; shift ;;
    --list) printf '%s\n' "${TARGETS[@]}"; exit 0 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) patterns+=("$1"); shift ;;
  esac
done

kind_of() { local t; for t in "${TARGETS[@]}"; do [ "${t% *}" = "$1" ] && { echo "${t#* }"; return; }; done; echo stateless; }
goal_of() { [ "$(kind_of "$1")" = stateful ] && echo $STATEFUL_GOAL || echo $STATELESS_GOAL; }

# Selected targets as "target runs" lines.
selected=()
if [ ${#patterns[@]} -eq 0 ]; then patterns=(""); fi
for pattern in "${patterns[@]}"; do
  wanted="${pattern%%=*}"
  limit=""; [ "$pattern" != "$wanted" ] && limit="${pattern#*=}"
  matched=0
  for t in "${TARGETS[@]}"; do
    target="${t% *}"
    case "$target" in
      *"$wanted"*)
        matched=1
        n="${limit:-${runs:-}}"
        if [ -z "$n" ]; then if [ $goal -eq 1 ]; then n=$(goal_of "$target"); else n=-1; fi; fi
        selected+=("$target $n") ;;
    esac
  done
  [ $matched -eq 1 ] || { echo "fuzz: no target matches '$wanted' (see --list)" >&2; exit 2; }
done

logs="perf/results/tmp/fuzz-$name"
mkdir -p "$logs"
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
# FUZZ_COMMIT names the code when the run happens in an exported copy (git archive) of a commit.
commit="${FUZZ_COMMIT:-$(git rev-parse --short HEAD 2>/dev/null || echo unknown)}"
if [ -z "${FUZZ_COMMIT:-}" ] && [ -n "$(git status --porcelain --untracked-files=no -- . ':(exclude)perf/results' 2>/dev/null)" ]; then
  commit="$commit-dirty"
fi
if [ $report_only -eq 0 ]; then
  rm -f "$logs/index.tsv.new"
  modules=$(printf '%s\n' "${selected[@]}" | cut -d: -f1 | sort -u | paste -sd, -)
  ./mvnw -B -ntp -q -pl "$modules" -am test-compile
  # Targets that write files (the JSON file source) run several times faster on a RAM disk.
  tmpdir=""
  if [ -d /dev/shm ] && [ -w /dev/shm ]; then tmpdir=/dev/shm; fi

  for line in "${selected[@]}"; do
    target="${line% *}"; limit="${line#* }"
    module="${target%%:*}"
    test="${target#*:}"
    log="$logs/${test//#/.}.log"
    inputs_dir="$module/src/test/resources"
    before=$(find "$inputs_dir" -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' 2>/dev/null | sort)
    echo "fuzz: $target for ${seconds}s or $limit inputs -> $log" >&2
    start=$(date +%s); load_start=$(loadavg)
    status=0
    ./mvnw -B -ntp -Pfuzz -pl "$module" -am test -Dtest="$test" -Dsurefire.failIfNoSpecifiedTests=false \
      -Dfuzz.seconds="$seconds" -Dfuzz.runs="$limit" ${tmpdir:+-Dfuzz.tmpdir="$tmpdir"} > "$log" 2>&1 || status=$?
    after=$(find "$inputs_dir" -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' 2>/dev/null | sort)
    new=$(comm -13 <(echo "$before") <(echo "$after") | grep -v '^$' | paste -sd' ' - || true)
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$target" "$status" "$(( $(date +%s) - start ))" "$log" "${new:--}" \
      "$(kind_of "$target")" "$limit" "$seconds" "$load_start" "$(loadavg)" >> "$logs/index.tsv.new"
  done
  mv "$logs/index.tsv.new" "$logs/index.tsv"
fi

# One row per target from libFuzzer's final statistics (-print_final_stats=1) and its last status line.
stat() { grep -a "^stat::$2:" "$1" | tail -1 | awk '{print $2}'; }
duration() { local s=$1; if [ "$s" -lt 3600 ]; then echo "$(( (s + 59) / 60 )) min"; else awk -v s="$s" 'BEGIN { printf "%.1f h", s / 3600 }'; fi; }
md="perf/results/$name-fuzz.md"
json="perf/results/$name-fuzz.json"
{
  echo "# Fuzz run \`$name\`"
  echo
  echo "Command: \`nice -n 15 perf/fuzz.sh\` (limits per row) at commit \`$commit\`, $(nproc) cores, $(java -version 2>&1 | head -1)."
  echo "Jazzer $(grep -m1 -o '<jazzer.version>[^<]*' pom.xml | cut -d'>' -f2) (libFuzzer), one JVM per target, heap 1 GiB, one input slower than 10 s is a finding."
  echo "Inputs: one parse for a stateless target, one whole event sequence for a stateful one. Goal: $STATELESS_GOAL inputs per"
  echo "stateless target, $STATEFUL_GOAL sequences per stateful one; \"to goal\" is the time the rest takes at the rate measured here."
  echo "Edges: instrumented branch edges covered at the end (libFuzzer \`cov\`); features: \`ft\`; corpus: entries / bytes."
  echo "Load: the 1-minute load average when the target started and when it ended."
  echo
  echo "| target | kind | limit (s / inputs) | inputs run | inputs/s | goal reached | to goal | edges | features | corpus | new inputs | peak RSS MB | wall s | load | findings |"
  echo "| --- | --- | --- | ---: | ---: | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | --- | --- |"
} > "$md"
echo "{\"name\": \"$name\", \"commit\": \"$commit\", \"cores\": $(nproc), \"statelessGoal\": $STATELESS_GOAL, \"statefulGoal\": $STATEFUL_GOAL, \"targets\": [" > "$json"
first=1
while IFS=$'\t' read -r target status wall log new kind limit secs load_start load_end; do
  [ "$new" = "-" ] && new=""
  executed=$(stat "$log" number_of_executed_units); rate=$(stat "$log" average_exec_per_sec)
  added=$(stat "$log" new_units_added); rss=$(stat "$log" peak_rss_mb)
  last=$(grep -a -E '^#[0-9]+.*cov: ' "$log" | tail -1 || true)
  cov=$(echo "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p'); ft=$(echo "$last" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
  corp=$(echo "$last" | sed -n 's/.*corp: \([^ ]*\).*/\1/p')
  # A run stopped from outside prints no final statistics: its last status line says how far it got.
  [ -n "$executed" ] || executed=$(echo "$last" | sed -n 's/^#\([0-9]*\).*/\1/p')
  [ -n "$rate" ] || rate=$(echo "$last" | sed -n 's/.*exec\/s: \([0-9]*\).*/\1/p')
  exceptions=$(grep -a -c '^== Java Exception' "$log" || true)
  findings="none"
  if [ "$status" != 0 ] || [ -n "$new" ] || [ "${exceptions:-0}" != 0 ]; then findings="exit $status; ${exceptions:-0} exception(s); ${new:-no new input files}"; fi
  target_goal=$(if [ "$kind" = stateful ]; then echo $STATEFUL_GOAL; else echo $STATELESS_GOAL; fi)
  reached="no"; to_goal="?"; remaining_s=null
  if [ -n "$executed" ] && [ "$executed" -ge "$target_goal" ]; then reached="yes"; to_goal="0"; remaining_s=0
  elif [ -n "$executed" ] && [ -n "$rate" ] && [ "$rate" -gt 0 ]; then
    remaining_s=$(( (target_goal - executed + rate - 1) / rate )); to_goal=$(duration "$remaining_s")
  fi
  printf '| %s | %s | %s / %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s → %s | %s |\n' "$target" "$kind" "$secs" \
    "$limit" "${executed:-?}" "${rate:-?}" "$reached" "$to_goal" "${cov:-?}" "${ft:-?}" "${corp:-?}" "${added:-?}" \
    "${rss:-?}" "$wall" "${load_start%% *}" "${load_end%% *}" "$findings" >> "$md"
  [ $first -eq 1 ] || echo "," >> "$json"
  first=0
  printf '  {"target": "%s", "kind": "%s", "limitSeconds": %s, "limitInputs": %s, "inputs": %s, "inputsPerSecond": %s, "goal": %s, "secondsToGoalAtThisRate": %s, "edges": %s, "features": %s, "corpus": "%s", "newInputs": %s, "peakRssMb": %s, "wallSeconds": %s, "loadAverageStart": "%s", "loadAverageEnd": "%s", "exitStatus": %s, "findings": "%s"}' \
    "$target" "$kind" "$secs" "$limit" "${executed:-null}" "${rate:-null}" "$target_goal" "$remaining_s" "${cov:-null}" \
    "${ft:-null}" "${corp:-}" "${added:-null}" "${rss:-null}" "$wall" "$load_start" "$load_end" "$status" "$findings" >> "$json"
done < "$logs/index.tsv"
printf '\n]}\n' >> "$json"
cat "$md"
