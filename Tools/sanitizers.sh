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
        # quarantine_size_mb: ASan keeps freed memory out of use to catch use
        # after free, 256 MiB by default; AbusiveClientTests checks that the
        # hub's resident memory comes back within 64 MiB after the abusers
        # leave, which the default quarantine alone exceeds (60 -> 520 MiB).
        export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:halt_on_error=1:quarantine_size_mb=16}
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
if [ "$sanitizer" = thread ]; then
    # Teaches ThreadSanitizer Synchronization.Mutex's contended paths
    # (Tools/sanitizers/tsan_mutex.c says why); the test processes and the
    # consentd they start inherit it.
    "${TSAN_CC:-$(dirname "$(command -v "$swift")")/clang}" -O2 -shared -fPIC -Wall -Werror -o "$scratch/libtsan_mutex.so" Tools/sanitizers/tsan_mutex.c -ldl
    export LD_PRELOAD=$root/$scratch/libtsan_mutex.so${LD_PRELOAD:+:$LD_PRELOAD}
fi
"$swift" test --skip-build --scratch-path "$scratch" --sanitize="$sanitizer" "$@"
end=$(date +%s)
echo "$sanitizer sanitizer: clean; build $((built - start)) s, tests $((end - built)) s"
