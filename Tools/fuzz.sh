#!/usr/bin/env bash
# Builds and runs the libFuzzer targets of FuzzTesting/ (docs/FUZZING.md).
#
#   Tools/fuzz.sh build                 build every target into .build-fuzz/CONFIG (ASan + libFuzzer)
#   Tools/fuzz.sh run SECONDS [JOBS]    fuzz each target SECONDS, JOBS at a time; crashes are
#                                       kept in FuzzTesting/FailCases/<target>/ (make fuzz)
#   Tools/fuzz.sh short SECONDS [JOBS]  replay the fail cases, then fuzz each target SECONDS
#                                       from the seed corpus with a fixed seed; crashes are
#                                       kept in .build-fuzz/short/<target>/ (make test-fuzz-short)
#
# FUZZ_TARGETS="FuzzToken FuzzSnapshot" limits a run to some targets. FUZZ_CONFIG
# chooses the build: `run` defaults to release (3 to 10 times the executions per
# second), `short` to debug (half the build time from scratch; every check on).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
scratch=$root/.build-fuzz
all_targets=(FuzzFrameDecoder FuzzFrameCodec FuzzProtoMessages FuzzAltinnQuery FuzzToken
             FuzzEventCodec FuzzSnapshot FuzzPrincipals FuzzConfigFile)
read -r -a targets <<< "${FUZZ_TARGETS:-${all_targets[*]}}"
swift=${SWIFT:-swift}
# Swift's own crash handler symbolicates for a minute; libFuzzer's report is what we need.
export SWIFT_BACKTRACE=enable=no
# Leaks are errors (libFuzzer checks after every input that allocated more than it freed).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}

build() {
    local config=$1
    # libFuzzer and the sanitizer runtimes come with the Swift toolchain's clang.
    local resource
    resource=$(dirname "$(dirname "$(readlink -f "$(command -v "$swift")")")")/lib/clang
    if ! ls "$resource"/*/lib/linux/libclang_rt.fuzzer-*.a >/dev/null 2>&1; then
        echo "fuzz: this Swift toolchain has no libFuzzer (libclang_rt.fuzzer in $resource); swift.org's Linux toolchains ship it" >&2
        exit 1
    fi
    (cd FuzzTesting && "$swift" build -c "$config" --scratch-path "$scratch" \
        -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -use-ld=lld)
}

# fuzz_one TARGET SECONDS CORPUS ARTIFACTS [EXTRA...]: runs until SECONDS have
# passed, starting again after a crash (at most 3), and writes one summary line.
fuzz_one() {
    local target=$1 seconds=$2 corpus=$3 artifacts=$4
    shift 4
    local binary=$scratch/$config/$target log=$scratch/logs/$target.log
    local dict=()
    [ -f "FuzzTesting/$target.dict" ] && dict=(-dict="FuzzTesting/$target.dict")
    mkdir -p "$corpus" "$artifacts" "$scratch/logs"
    : > "$log"
    local start end left crashes=0 runs=0
    start=$(date +%s)
    end=$((start + seconds))
    while left=$((end - $(date +%s))); [ "$left" -gt 0 ] && [ "$crashes" -lt 3 ]; do
        if "$binary" "$corpus" "FuzzTesting/Corpus/$target" "${dict[@]}" -max_total_time="$left" \
            -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/" "$@" >> "$log" 2>&1; then
            break
        fi
        crashes=$((crashes + 1))
    done
    runs=$(grep -h 'stat::number_of_executed_units' "$log" | awk '{s += $2} END {print s + 0}')
    local cov ft
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | awk '{print $2}')
    ft=$(grep -oE 'ft: [0-9]+' "$log" | tail -1 | awk '{print $2}')
    printf '%-18s %6ss %12s runs  cov %6s  ft %6s  corpus %5s  crashes %s\n' "$target" "$(($(date +%s) - start))" "$runs" \
        "${cov:-?}" "${ft:-?}" "$(find "$corpus" -type f | wc -l)" "$crashes" > "$scratch/logs/$target.summary"
}

# Runs fuzz_one for every target, JOBS at a time, then prints the summaries and
# fails if any target crashed.
run_all() {
    local seconds=$1 jobs=$2 mode=$3
    local running=0
    for target in "${targets[@]}"; do
        if [ "$mode" = short ]; then
            rm -rf "$scratch/short/$target"
            fuzz_one "$target" "$seconds" "$scratch/short/corpus/$target" "$scratch/short/$target" -seed=1 &
        else
            fuzz_one "$target" "$seconds" "$scratch/corpus/$target" "FuzzTesting/FailCases/$target" &
        fi
        running=$((running + 1))
        if [ "$running" -ge "$jobs" ]; then wait -n; running=$((running - 1)); fi
    done
    wait
    echo
    printf '%-18s %7s %17s  %-9s  %-9s  %-12s %s\n' target time executions coverage features corpus crashes
    local failed=0
    for target in "${targets[@]}"; do
        cat "$scratch/logs/$target.summary"
        if ! grep -q 'crashes 0$' "$scratch/logs/$target.summary"; then
            failed=1
            grep -h -E 'Fatal error|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|SUMMARY|Test unit written' "$scratch/logs/$target.log" | sed 's/^/    /' | head -20
        fi
    done
    return $failed
}

case "${1:-}" in
    build) config=${FUZZ_CONFIG:-release}; build "$config" ;;
    run)
        config=${FUZZ_CONFIG:-release}
        build "$config"
        run_all "${2:?seconds}" "${3:-2}" long || { echo "fuzz: crashes kept in FuzzTesting/FailCases/ (logs in .build-fuzz/logs/)" >&2; exit 1; }
        ;;
    short)
        config=${FUZZ_CONFIG:-debug}
        build "$config"
        mkdir -p "$scratch/logs"
        # Every fail case first: each must pass its target's check.
        for target in "${targets[@]}"; do
            cases=(FuzzTesting/FailCases/"$target"/*)
            [ -e "${cases[0]}" ] || continue
            "$scratch/$config/$target" "${cases[@]}" > "$scratch/logs/$target.replay.log" 2>&1 ||
                { echo "fuzz: $target fails on a fail case:" >&2; tail -20 "$scratch/logs/$target.replay.log" >&2; exit 1; }
        done
        rm -rf "$scratch/short/corpus"
        run_all "${2:?seconds}" "${3:-2}" short || { echo "fuzz: crashes kept in .build-fuzz/short/ (logs in .build-fuzz/logs/)" >&2; exit 1; }
        ;;
    *) sed -n '2,12p' "$0"; exit 2 ;;
esac
