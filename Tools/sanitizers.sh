#!/usr/bin/env bash
# `make test-sanitizers`: builds the Swift test suite with a sanitizer into a
# scratch path of its own and runs it (docs/FUZZING.md, "Sanitizers").
#
#   Tools/sanitizers.sh address    AddressSanitizer (+ LeakSanitizer) in .build-asan
#   Tools/sanitizers.sh thread     ThreadSanitizer in .build-tsan
#
# Extra arguments go to `swift test` (e.g. --filter ConsentStoreTests).
# Suppressions, each explained, are in Tools/sanitizers/*.supp.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
swift=${SWIFT:-swift}
sanitizer=${1:?address or thread}
shift
# Swift's crash handler symbolicates for a minute; the sanitizer's report is what we need.
export SWIFT_BACKTRACE=enable=no
case "$sanitizer" in
    address)
        scratch=.build-asan
        export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:halt_on_error=1}
        export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$root/Tools/sanitizers/lsan.supp:print_suppressions=0}
        ;;
    thread)
        scratch=.build-tsan
        export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:second_deadlock_stack=1:suppressions=$root/Tools/sanitizers/tsan.supp}
        ;;
    *) echo "usage: $0 address|thread [swift test arguments]" >&2; exit 2 ;;
esac
start=$(date +%s)
"$swift" build --build-tests --scratch-path "$scratch" --sanitize="$sanitizer"
built=$(date +%s)
"$swift" test --skip-build --scratch-path "$scratch" --sanitize="$sanitizer" "$@"
end=$(date +%s)
echo "$sanitizer sanitizer: clean; build $((built - start)) s, tests $((end - built)) s"
