#!/usr/bin/env bash
# Regenerates the committed protobuf code from Proto/career/v1/*.proto:
#   Sources/RPCProto/*.pb.swift      the RPC envelope and health (rpc.proto, health.proto), which
#                                    the generic RPC runtime uses; no domain message belongs here
#   Sources/CareerProto/*.pb.swift   the services' messages (common, generation, coach)
#   Sources/OTLPProto/*.pb.swift     the part of OpenTelemetry's OTLP the test receiver decodes
#                                    (Proto/opentelemetry)
#                                    (both with protoc + swift-protobuf's protoc-gen-swift)
#   Sources/CareerProtoC/*.pb-c.{c,h} every file, with protoc-c, for the protobuf-c interop test
#
# Needs Debian's protobuf-compiler and protobuf-c-compiler. protoc-gen-swift is built once from
# the swift-protobuf version Package.swift names (a release build takes a few minutes) and kept
# in $PROTOC_GEN_SWIFT_CACHE (default ~/.cache/career-backend); set PROTOC_GEN_SWIFT to use
# another binary.
set -euo pipefail
cd "$(dirname "$0")/.."

swift_protobuf_version=1.39.0
cache=${PROTOC_GEN_SWIFT_CACHE:-$HOME/.cache/career-backend}
plugin=${PROTOC_GEN_SWIFT:-$cache/swift-protobuf-$swift_protobuf_version/.build/release/protoc-gen-swift}

for tool in protoc protoc-c; do
  command -v "$tool" >/dev/null || { echo "generate.sh: $tool not found (apt-get install protobuf-compiler protobuf-c-compiler)" >&2; exit 1; }
done

if [ ! -x "$plugin" ]; then
  echo "generate.sh: building protoc-gen-swift $swift_protobuf_version (once)" >&2
  src=$cache/swift-protobuf-$swift_protobuf_version
  mkdir -p "$cache"
  if [ ! -d "$src" ]; then
    # The copy SwiftPM already resolved, when it is this version (no network needed); else GitHub.
    checkout=.build/checkouts/swift-protobuf
    if [ -d "$checkout" ] && grep -q "\"$swift_protobuf_version\"" Package.resolved 2>/dev/null; then
      cp -R "$checkout" "$src"
      rm -rf "$src/.build"
    else
      git clone -q --branch "$swift_protobuf_version" https://github.com/apple/swift-protobuf.git "$src"
    fi
  fi
  (cd "$src" && swift build -c release --product protoc-gen-swift)
fi

# Two Swift targets from one protobuf package (`career.v1`): the envelope stays apart from the
# domain so that RPCRuntime depends on no domain target (Package.swift lists the layers). A
# domain file may not import rpc.proto or health.proto: its generated code would then need the
# other module.
rpc_protos=(career/v1/rpc.proto career/v1/health.proto)
domain_protos=(career/v1/common.proto career/v1/generation.proto career/v1/coach.proto)
protos=("${rpc_protos[@]}" "${domain_protos[@]}")

generate_swift() { # target, proto files
  local target=$1
  shift
  rm -f "Sources/$target"/*.pb.swift
  protoc -I Proto --plugin=protoc-gen-swift="$plugin" \
    --swift_opt=Visibility=Public --swift_opt=FileNaming=PathToUnderscores \
    --swift_out="Sources/$target" "${@/#/Proto/}"
}
generate_swift RPCProto "${rpc_protos[@]}"
generate_swift CareerProto "${domain_protos[@]}"
# The subset of OpenTelemetry's OTLP that the test trace receiver decodes (Sources/OTLPReceiver).
otlp_protos=(opentelemetry/proto/common/v1/common.proto opentelemetry/proto/resource/v1/resource.proto
  opentelemetry/proto/trace/v1/trace.proto opentelemetry/proto/collector/trace/v1/trace_service.proto)
generate_swift OTLPProto "${otlp_protos[@]}"

rm -rf Sources/CareerProtoC
mkdir -p Sources/CareerProtoC/include
protoc-c -I Proto --c_out=Sources/CareerProtoC "${protos[@]/#/Proto/}"
# SwiftPM wants headers under include/ and includes them by file name.
for header in Sources/CareerProtoC/career/v1/*.pb-c.h; do mv "$header" Sources/CareerProtoC/include/; done
for source in Sources/CareerProtoC/career/v1/*.pb-c.c; do
  sed -E 's|#include "career/v1/([a-z_]+\.pb-c\.h)"|#include "\1"|' "$source" > "Sources/CareerProtoC/$(basename "$source")"
done
sed -E -i 's|#include "career/v1/([a-z_]+\.pb-c\.h)"|#include "\1"|' Sources/CareerProtoC/include/*.pb-c.h
rm -rf Sources/CareerProtoC/career
cat > Sources/CareerProtoC/include/CareerProtoC.h <<'HEADER'
// Umbrella header: every protobuf-c message of Proto/career/v1.
#include "rpc.pb-c.h"
#include "health.pb-c.h"
#include "common.pb-c.h"
#include "generation.pb-c.h"
#include "coach.pb-c.h"
HEADER
echo "generate.sh: wrote Sources/RPCProto, Sources/CareerProto, Sources/OTLPProto and Sources/CareerProtoC" >&2
