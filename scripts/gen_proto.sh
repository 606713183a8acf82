#!/usr/bin/env bash
# Regenerate chat/protocol/csbot_pb2.py from chat/protocol/csbot.proto.
#
# Usage: scripts/gen_proto.sh [OUT_DIR]   (run from the repository root)
# OUT_DIR defaults to the repository root; the module lands in
# OUT_DIR/chat/protocol/csbot_pb2.py. The protoc bundled with grpcio-tools is
# used so that every machine produces the same bytes for the checked-in file.
set -euo pipefail

cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
OUT_DIR="${1:-.}"

mkdir -p "$OUT_DIR"
# The proto path is relative to the repository root, so the descriptor is
# registered as chat/protocol/csbot.proto and cannot clash with other schemas.
"$PYTHON" -m grpc_tools.protoc --proto_path=. --python_out="$OUT_DIR" chat/protocol/csbot.proto
