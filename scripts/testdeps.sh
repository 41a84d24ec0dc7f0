#!/usr/bin/env bash
# testdeps.sh — what the tests need (make test, .ci/run), on a Debian machine:
# as root, installs with apt-get what is missing and starts RabbitMQ (guest/guest
# on 127.0.0.1:5672) unless it already listens; as another user, or without
# apt-get, names what is missing and how to install it. Exits 1 only when the
# race detector cannot build (no gcc or no C library headers) and nothing could
# install them. Silent when everything is there.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
root=false
[ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && root=true
need=()
# make runs the test command; gcc and the C library headers build cgo, which
# the race detector (make test's -race) needs. A minimal Debian has neither.
command -v make >/dev/null 2>&1 || need+=(make)
command -v gcc >/dev/null 2>&1 || need+=(gcc)
[ -e /usr/include/stdlib.h ] || need+=(libc6-dev)
command -v nmap >/dev/null 2>&1 || need+=(nmap)
command -v rabbitmq-server >/dev/null 2>&1 || [ -x /usr/sbin/rabbitmq-server ] || need+=(rabbitmq-server)
# hostname for the source-address resolver's `hostname -i`; time and curl
# for the bench scripts (/usr/bin/time's peak memory, the sink's counts).
command -v hostname >/dev/null 2>&1 || need+=(hostname)
[ -x /usr/bin/time ] || need+=(time)
command -v curl >/dev/null 2>&1 || need+=(curl)
if [ ${#need[@]} -gt 0 ]; then
  if $root; then
    apt-get update
    apt-get install -y --no-install-recommends "${need[@]}"
  else
    echo "testdeps: missing ${need[*]}: as root, apt-get install -y ${need[*]} (or run bash .ci/run)" >&2
    if ! command -v gcc >/dev/null 2>&1 || [ ! -e /usr/include/stdlib.h ]; then
      echo "testdeps: the race detector (go test -race) needs gcc and libc6-dev" >&2
      exit 1
    fi
  fi
fi

# RabbitMQ for the serve integration tests (guest/guest on 127.0.0.1:5672):
# start it unless it already listens, then wait until it accepts clients.
broker_up() { (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; }
wait_broker() { for _ in $(seq "$1"); do broker_up && return 0; sleep 1; done; return 1; }
if ! $root; then
  broker_up || echo "testdeps: RabbitMQ does not listen on 127.0.0.1:5672: the serve integration tests need it (as root: make test, or bash .ci/run, starts it)" >&2
  exit 0
fi
if ! broker_up; then
  service rabbitmq-server start || true
  # Without a working init system, start the node directly (the Debian
  # wrapper drops to the rabbitmq user). A first boot takes ~30 s.
  wait_broker 90 || rabbitmq-server -detached || true
  wait_broker 120 || { echo "testdeps: rabbitmq-server did not start" >&2; exit 1; }
  rabbitmqctl await_startup --timeout 120 >/dev/null
fi
