#!/usr/bin/env bash
# Cross-builds static injectkit binaries into dist/ with the version, the
# commit and the Go version stamped, and writes dist/SHA256SUMS.
#
#   scripts/release.sh [VERSION]        (make release VERSION=v0.3.0)
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=${1:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
COMMIT=$(git rev-parse HEAD 2>/dev/null || echo unknown)
GOVERSION=$(go env GOVERSION)
TAGS=${TAGS-urfave_cli_no_docs} # build tags, as make build gives them (see the Makefile)
rm -rf dist && mkdir -p dist
for target in linux/amd64 linux/arm64 darwin/arm64; do
  os=${target%/*} arch=${target#*/}
  out="dist/injectkit-$VERSION-$os-$arch"
  echo "build $out"
  CGO_ENABLED=0 GOOS=$os GOARCH=$arch go build -trimpath -tags "$TAGS" \
    -ldflags "-s -w -X main.version=$VERSION -X main.commit=$COMMIT -X main.goVersion=$GOVERSION" \
    -o "$out" ./cmd/injectkit
done
(cd dist && sha256sum injectkit-* > SHA256SUMS)
cat dist/SHA256SUMS
