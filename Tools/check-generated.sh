#!/usr/bin/env bash
# Regenerates Proto/ output into a scratch directory and compares it with what
# is committed: the C from protoc-c and the Swift bridge. A difference fails.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v protoc-c >/dev/null; then
    echo "SKIPPED: protoc-c is not installed; generated code not checked (make deps installs it)"
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/c" "$tmp/swift" "$tmp/cproto"
(cd Proto && protoc-c --c_out="$tmp/c" consent/v1/*.proto)
protoc-c -I Proto --include_source_info -o "$tmp/consent.fds" Proto/consent/v1/*.proto
python3 Tools/gen_swift_bridge.py "$tmp/consent.fds" "$tmp/swift" "$tmp/cproto" >/dev/null
status=0
if python3 -c "import grpc_tools" 2>/dev/null; then
    mkdir -p "$tmp/py"
    (cd Proto && python3 -m grpc_tools.protoc -I . --python_out="$tmp/py" --pyi_out="$tmp/py" consent/v1/*.proto)
    for f in "$tmp"/py/consent/v1/*; do
        diff "$f" "Clients/python/src/consent/v1/$(basename "$f")" || status=1
    done
else
    echo "SKIPPED: grpc_tools (pip grpcio-tools) is not installed; Python _pb2 modules not checked"
fi
diff -r "$tmp/c/consent" Sources/CConsentProto/consent || status=1
diff -r "$tmp/swift" Sources/ConsentProto/Generated || status=1
diff "$tmp/cproto/include/CConsentProto.h" Sources/CConsentProto/include/CConsentProto.h || status=1
if [ $status -ne 0 ]; then
    echo "FAILED: committed generated code differs from Proto/ (protoc-c $(protoc-c --version | head -1)); run 'make proto' and commit"
    exit 1
fi
echo "generated code matches Proto/ (protoc-c $(protoc-c --version | head -1))"
