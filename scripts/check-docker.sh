#!/usr/bin/env bash
# Static checks of the container files. No Docker engine runs on the development/CI machines,
# so the image is never built and the stack never started here (docker/README.md).
#
#   scripts/check-docker.sh [compose-file] [dockerfile]
#     defaults: docker/compose.yaml docker/Dockerfile
#
# 1. `docker-compose config -q` (Debian's docker-compose 1.29; no daemon needed) with
#    placeholder secrets, and a check that every secret is required (`${NAME:?...}`), never
#    defaulted. 2. JSON files mounted by compose parse. 3. The Dockerfile: every path it
#    COPYs from the build context exists, the runtime user is not root, there is a
#    HEALTHCHECK, the ports are exposed, base images are pinned.
# Exits non-zero on the first class of problem found, printing every problem of that class.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
COMPOSE_FILE="$(realpath -m "${1:-$ROOT/docker/compose.yaml}")"
DOCKERFILE="$(realpath -m "${2:-$ROOT/docker/Dockerfile}")"
# The build context of docker/Dockerfile is the repository root (compose: context: ..).
CONTEXT="$ROOT"

# Secrets the stack needs; each must be a required variable without a default.
SECRETS=(OSTEON_JWT_SECRET OSTEON_OPERATOR_API_KEY MONGO_ROOT_USERNAME MONGO_ROOT_PASSWORD OSTEON_DB_PASSWORD MONGO_REPLICA_SET_KEY ORTHANC_PASSWORD)

failures=0
fail() {
  echo "check-docker: FAIL: $*" >&2
  failures=$((failures + 1))
}

command -v docker-compose >/dev/null 2>&1 || {
  echo "check-docker: docker-compose is not installed (apt-get install docker-compose; scripts/install-test-peers.sh does)" >&2
  exit 2
}
[ -f "$COMPOSE_FILE" ] || { echo "check-docker: no compose file at $COMPOSE_FILE" >&2; exit 1; }
[ -f "$DOCKERFILE" ] || { echo "check-docker: no Dockerfile at $DOCKERFILE" >&2; exit 1; }

# ---- 1. compose ----
placeholders=()
for name in "${SECRETS[@]}"; do placeholders+=("$name=check-docker-placeholder"); done
if ! output="$(cd "$(dirname "$COMPOSE_FILE")" && env "${placeholders[@]}" docker-compose -f "$COMPOSE_FILE" config -q 2>&1)"; then
  fail "docker-compose config rejected $COMPOSE_FILE:"
  echo "$output" >&2
fi
for name in "${SECRETS[@]}"; do
  if grep -Eq "\\\$\\{$name(:?-[^}]*)?\\}" "$COMPOSE_FILE"; then
    fail "secret $name has a default or is optional in $COMPOSE_FILE: use \${$name:?set $name}"
  fi
done
if [ "$failures" -eq 0 ]; then
  # Without the secrets, compose must refuse the file.
  if (cd "$(dirname "$COMPOSE_FILE")" && env $(printf -- '-u %s ' "${SECRETS[@]}") docker-compose -f "$COMPOSE_FILE" config -q >/dev/null 2>&1); then
    fail "docker-compose accepted $COMPOSE_FILE with no secrets set: some secret has a default"
  fi
fi

# ---- 2. JSON files the compose file mounts (e.g. ./orthanc.json) ----
while IFS= read -r relative; do
  file="$(dirname "$COMPOSE_FILE")/$relative"
  if [ ! -f "$file" ]; then
    fail "compose mounts $relative, which does not exist next to $COMPOSE_FILE"
  elif ! node -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))' "$file" 2>/dev/null; then
    fail "$file is not valid JSON"
  fi
done < <(grep -oE '\./[A-Za-z0-9._/-]+\.json' "$COMPOSE_FILE" | sort -u)

# ---- 3. Dockerfile ----
# Join continuation lines, drop comments.
instructions="$(sed -e 's/[[:space:]]*#.*$//' "$DOCKERFILE" | sed -e ':a' -e '/\\$/N; s/\\\n/ /; ta' | grep -v '^[[:space:]]*$')"
while IFS= read -r line; do
  # COPY from the build context only (not --from=stage); the last word is the destination.
  case "$line" in COPY*--from=*) continue ;; esac
  read -ra words <<<"${line#COPY }"
  sources=()
  for word in "${words[@]}"; do case "$word" in --*) ;; *) sources+=("$word") ;; esac; done
  unset 'sources[${#sources[@]}-1]'
  for source in "${sources[@]}"; do
    [ -e "$CONTEXT/$source" ] || fail "Dockerfile copies $source, which does not exist in the build context $CONTEXT"
  done
done < <(grep -E '^COPY ' <<<"$instructions")
grep -qE '^FROM ' <<<"$instructions" || fail "Dockerfile has no FROM"
grep -qE '^(ARG NODE_IMAGE=|FROM )[^ ]*:latest' <<<"$instructions" && fail "Dockerfile uses a :latest base image"
grep -qE '^ARG NODE_IMAGE=node:20-bookworm-slim$' <<<"$instructions" || fail "Dockerfile base image is not node:20-bookworm-slim"
last_user="$(grep -E '^USER ' <<<"$instructions" | tail -n1 | awk '{print $2}')"
case "$last_user" in
  '' | root | 0 | 0:*) fail "Dockerfile runs as root (add a USER that is not root)" ;;
esac
grep -qE '^HEALTHCHECK .*(/health)' <<<"$instructions" || fail "Dockerfile has no HEALTHCHECK on /health"
grep -qE '^EXPOSE .*\b3000\b' <<<"$instructions" || fail "Dockerfile does not EXPOSE 3000"
grep -qE '^EXPOSE .*\b11112\b' <<<"$instructions" || fail "Dockerfile does not EXPOSE 11112"
grep -qE '^CMD \[' <<<"$instructions" || fail "Dockerfile CMD is not in exec form (signals would not reach node)"
grep -qE '^ADD ' <<<"$instructions" && fail "Dockerfile uses ADD: use COPY"
if [ -d "$CONTEXT/models" ] && ! compgen -G "$CONTEXT/models/*.onnx" >/dev/null; then
  echo "check-docker: note: models/ holds no .onnx file yet; the image would carry no model" >&2
fi

if [ "$failures" -gt 0 ]; then
  echo "check-docker: $failures problem(s)" >&2
  exit 1
fi
echo "check-docker: OK ($(realpath --relative-to="$ROOT" "$COMPOSE_FILE"), $(realpath --relative-to="$ROOT" "$DOCKERFILE"))"
