#!/usr/bin/env bash
# Validates the deployment files offline, without Docker or a cluster:
#  1. compose.yaml against the compose schema, with .env.example's settings (docker-compose config);
#  2. deploy/kubernetes/ against the Kubernetes API schemas, unknown fields refused
#     (kubernetes-validate --strict);
#  3. the promises the schemas cannot see (deploy/check.py).
# Needs docker-compose (Debian's package), kubernetes-validate (PyPI) and PyPI's or Debian's
# PyYAML; PYTHON names the interpreter that has it (default python3). .ci/run installs them.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
resolved=$(mktemp)
trap 'rm -f "$resolved"' EXIT

echo "-- compose.yaml"
# Placeholders for the secrets that .env.example leaves empty on purpose (compose refuses
# to start without them); they never reach a container from here.
RPC_TOKEN=validation-placeholder-token COACH_STATE_KEY=validation-placeholder POSTGRES_PASSWORD=validation-placeholder \
  docker-compose --env-file .env.example -f compose.yaml config >"$resolved"
echo "compose.yaml: valid"

echo "-- deploy/kubernetes"
manifests=()
for file in deploy/kubernetes/*.yaml; do
  [ "$(basename "$file")" = kustomization.yaml ] || manifests+=("$file")  # not an API object
done
kubernetes-validate --strict --quiet "${manifests[@]}"
echo "deploy/kubernetes: ${#manifests[@]} files valid"

echo "-- deployment promises"
"$python" deploy/check.py "$resolved" deploy/kubernetes
