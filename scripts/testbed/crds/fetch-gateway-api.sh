#!/usr/bin/env bash
# Refreshes gateway-api/ from the sigs.k8s.io/gateway-api Go module: the
# standard channel's CRDs of the core kinds (GatewayClass, Gateway,
# HTTPRoute, ReferenceGrant), copied unchanged from the module's
# config/crd/standard. The test bed applies them (start.sh); only run this
# to move to another Gateway API version.
#
#   fetch-gateway-api.sh [VERSION]    default: the version in gateway-api/VERSION
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
version="${1:-$(cat "$here/gateway-api/VERSION")}"
# Outside any module, so no go.mod is touched.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dir=$(cd "$tmp" && GOTOOLCHAIN=local GOFLAGS= go mod download -json "sigs.k8s.io/gateway-api@$version" |
  sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -n "$dir" ] && [ -d "$dir/config/crd/standard" ] || { echo "sigs.k8s.io/gateway-api@$version has no config/crd/standard" >&2; exit 1; }
rm -f "$here"/gateway-api/*.yaml
for kind in gatewayclasses gateways httproutes referencegrants; do
  cp "$dir/config/crd/standard/gateway.networking.k8s.io_$kind.yaml" "$here/gateway-api/"
done
chmod 644 "$here"/gateway-api/*.yaml
echo "$version" >"$here/gateway-api/VERSION"
echo "gateway-api/ now holds the CRDs of sigs.k8s.io/gateway-api $version" >&2
