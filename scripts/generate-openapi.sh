#!/usr/bin/env bash
# Regenerates Sources/GatewayCore/OpenAPI/openapi.json, the document GET /openapi.json serves,
# from the hand-written openapi.base.json and the task definitions (Sources/GenerationTasks).
# Run it after changing either; a test (OpenAPIDocumentTests) fails while the committed
# document is not what this writes.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --product GenerateOpenAPI
"$(swift build --show-bin-path)/GenerateOpenAPI" Sources/GatewayCore/OpenAPI/openapi.base.json Sources/GatewayCore/OpenAPI/openapi.json
echo "generate-openapi.sh: wrote Sources/GatewayCore/OpenAPI/openapi.json" >&2
