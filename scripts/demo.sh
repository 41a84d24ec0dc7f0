#!/bin/sh
# demo.sh — the main job end to end: open a listener on a random loopback
# port, scan it with the real nmap through `injectkit run nmap` (no backend:
# the CLI prints the payload it would POST) and print the payload.
# Only 127.0.0.1 is ever scanned.
set -eu
cd "$(dirname "$0")/.."
# Go from PATH, else from /usr/local/go, where the README's fresh Debian
# machine has it (Go's archive leaves PATH alone).
if [ -z "${GO:-}" ] && ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
	PATH=/usr/local/go/bin:$PATH
fi
GO=${GO:-go}
if ! command -v nmap >/dev/null 2>&1; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "demo: installing nmap (apt-get install -y nmap)" >&2
		apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nmap >&2
	else
		echo "demo: nmap is not installed (apt-get install -y nmap)" >&2
		exit 1
	fi
fi
tmp=$(mktemp -d)
lpid=
cleanup() {
	[ -n "$lpid" ] && kill "$lpid" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
# Static, as make build and the release build it.
CGO_ENABLED=0 $GO build -tags "${TAGS-urfave_cli_no_docs}" -o "$tmp/injectkit" ./cmd/injectkit
$GO build -o "$tmp/demolisten" ./injectors/nmap/internal/demolisten
"$tmp/demolisten" -addr 127.0.0.1:0 -for 5m >"$tmp/port" &
lpid=$!
i=0
while [ ! -s "$tmp/port" ]; do
	i=$((i + 1))
	if [ "$i" -gt 100 ]; then
		echo "demo: the listener did not start" >&2
		exit 1
	fi
	sleep 0.1
done
port=$(cat "$tmp/port")
echo "demo: listener on 127.0.0.1:$port; scanning it with nmap" >&2
"$tmp/injectkit" run nmap --target 127.0.0.1 \
	--param "ports=$port" --param service_detection=true \
	--expectation DETECTION --expectation PREVENTION >"$tmp/payload"
if command -v python3 >/dev/null 2>&1; then
	python3 -m json.tool "$tmp/payload"
else
	cat "$tmp/payload"
fi
