#!/usr/bin/env bash
# Builds the Helm CLI the chart is checked with (DESIGN.md section 5), cached like the
# local stack's Kafka jars and S3 server: $AUDITSTREAM_CACHE_DIR/helm-<version>/bin/helm.
# Prints the binary's path on stdout; everything else goes to stderr.
#
#   HELM="$(bash deploy/helm/install-helm.sh)"
set -euo pipefail

HELM_VERSION=v4.3.2
CACHE_DIR="${AUDITSTREAM_CACHE_DIR:-$HOME/.cache/auditstream}"
[[ $CACHE_DIR == /* ]] || CACHE_DIR="$PWD/$CACHE_DIR"
HELM_BIN="$CACHE_DIR/helm-$HELM_VERSION/bin/helm"

log() { printf '[helm] %s\n' "$*" >&2; }
die() { printf '[helm] ERROR: %s\n' "$*" >&2; exit 1; }

mkdir -p "$CACHE_DIR"
# The cache is shared by every checkout; one build at a time.
if command -v flock >/dev/null 2>&1; then
  exec 8>"$CACHE_DIR/.helm-install.lock"
  flock -w 900 8 || die "timed out waiting for another helm build (lock $CACHE_DIR/.helm-install.lock)"
fi

if [[ -x $HELM_BIN ]]; then
  log "helm $HELM_VERSION: cached at $HELM_BIN"
else
  command -v go >/dev/null 2>&1 || die "'go' not found on PATH (install Go >= 1.25 from https://go.dev/dl/)"
  t0=$SECONDS
  log "helm $HELM_VERSION: building with go install (about 2 minutes when the Go module cache is cold)"
  # go install writes the binary only once the build succeeded, so its existence is the
  # completion marker. nice: the build shares the machine with running tests.
  GOBIN="$(dirname "$HELM_BIN")" nice -n 10 go install "helm.sh/helm/v4/cmd/helm@$HELM_VERSION" ||
    die "go install of helm $HELM_VERSION failed"
  [[ -x $HELM_BIN ]] || die "go install finished but $HELM_BIN does not exist"
  log "helm $HELM_VERSION: installed at $HELM_BIN in $((SECONDS - t0))s"
fi
echo "$HELM_BIN"
