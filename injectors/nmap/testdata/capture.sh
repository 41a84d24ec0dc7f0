#!/bin/sh
# capture.sh re-captures the nmap XML fixtures of the golden tests from real
# nmap runs against listeners it opens on loopback only (127.0.0.1-3, ::1,
# localhost). Run it from this directory as root (nmap 7.93, python3, util-linux
# setpriv and unshare, iproute2's ip), then
# `go test ./injectors/nmap -run Golden -update` to rewrite the expected.json
# files, and review the diff.
#
# Port 18100 answers with an SSH banner, 18101 has no listener (closed),
# 18102 is a listener whose accept queue is full, so the kernel drops new
# SYNs: nmap reports it filtered (no iptables needed). 18163 accepts and
# never answers, as does 18104 (radpdf in nmap's port list). 18120-18131
# are twelve open ports on 127.0.0.1. 18143 answers HTTP behind TLS (a
# throwaway self-signed certificate, openssl). 18105 answers a banner of no
# protocol nmap knows; 18106 closes each connection as soon as it accepts it.
set -eu
TLS_DIR=$(mktemp -d)
export TLS_DIR
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
	-keyout "$TLS_DIR/key.pem" -out "$TLS_DIR/cert.pem" 2>/dev/null
python3 listen.py 127.0.0.1:18100:banner 127.0.0.1:18102:full \
	127.0.0.2:18100:banner 127.0.0.3:18102:full ::1:18100:banner \
	127.0.0.1:18163:silent $(seq -f '127.0.0.1:%g:silent' 18120 18131) \
	127.0.0.1:18143:tls 127.0.0.1:18104:silent \
	127.0.0.1:18105:unknown 127.0.0.1:18106:close &
lpid=$!
trap 'kill $lpid; rm -rf "$TLS_DIR"' EXIT
sleep 3 # let the listeners start and fill their queues
args="-n -Pn -sT -T4 -oX - -iL -"
ports="-p 18100-18102"
scan() { # case file extra-args targets…
	c=$1 f=$2 extra=$3
	shift 3
	mkdir -p "$c"
	rm -f "$c/$f.exit"
	printf '%s\n' "$@" | nmap $args $extra >"$c/$f.xml" 2>"$c/$f.stderr" || echo $? >"$c/$f.exit"
}
scan open_closed_filtered nmap "$ports -sV" 127.0.0.1
scan several_hosts nmap "$ports" 127.0.0.1 127.0.0.2 127.0.0.3
scan hostname nmap "$ports -sV" localhost
# service_tls: -sV names a service behind TLS by the service inside it
# (name="http" tunnel="ssl"), which nmap's own table writes ssl/http.
scan service_tls nmap "-p 18100,18143 -sV" 127.0.0.1
# service_guess: -sV cannot identify a port that never answers, and names
# it from nmap's port list (method="table"), which nmap's table writes
# radpdf?.
scan service_guess nmap "-p 18100,18104 -sV" 127.0.0.1
# service_unrecognized: -sV on a port answering a protocol nmap has no
# match for (its guess from the port list, method="table", and the
# fingerprint it asks users to submit, servicefp, a long attribute of
# escaped bytes) and on one closing each connection as soon as it is
# accepted (name="tcpwrapped", method="probed").
scan service_unrecognized nmap "-p 18105,18106 -sV" 127.0.0.1
scan ipv6 nmap6 "$ports -6" ::1
scan mixed nmap "$ports" 127.0.0.2
scan mixed nmap6 "$ports -6" ::1
scan no_host_up nmap "$ports --exclude 127.0.0.1" 127.0.0.1
scan unmatched nmap "$ports" 127.0.0.1 127.0.0.2
# unresolved: nmap exits 0 but resolves no target (a zone naming no
# interface), and says why on stderr only.
scan unresolved nmap6 "$ports -6" '::1%nosuchif0'
# name_unresolved: a name that does not resolve beside an address, with the
# injector's own arguments (its inject.json's port). nmap asks the system's
# resolver, whose name server may be off the machine: the scan runs in a
# network namespace of its own (unshare -n, as root) holding loopback alone,
# where the name server cannot be reached (connect: network unreachable) and
# the name fails on this machine. The capture stops before nmap runs if the
# namespace has an interface or a route besides loopback's.
mkdir -p name_unresolved
rm -f name_unresolved/nmap.exit
printf '%s\n' 127.0.0.1 nosuchhost.invalid | unshare -n sh -c '
	ip link set lo up
	if ip -o link show | grep -qv "^1: lo:" ||
		{ ip -4 route show table all; ip -6 route show table all; } | grep -qv " dev lo "; then
		echo "capture.sh: the namespace reaches beyond loopback; name_unresolved not captured" >&3
		exit 99
	fi
	exec nmap -sT -T4 -Pn -n --stats-every 5s -oX - -iL - -p 28585 3>&-' \
	3>&2 >name_unresolved/nmap.xml 2>name_unresolved/nmap.stderr || {
	rc=$?
	[ "$rc" != 99 ] || exit 1
	echo "$rc" >name_unresolved/nmap.exit
}
# no_route, no_route_only: an address the machine has no route to (a
# documentation address, in a network namespace of its own holding loopback
# alone: no packet can leave it), beside 127.0.0.1 with the injector's own
# arguments, and alone with nmap's default ports: nmap's connect scan
# reports its host all the same, every port filtered for net-unreach, listed
# (two ports) or counted (<extraports>, the default thousand).
for c in no_route no_route_only; do
	mkdir -p "$c"
	rm -f "$c/nmap.exit"
done
printf '%s\n' 127.0.0.1 198.51.100.7 | unshare -n sh -c 'ip link set lo up
	exec nmap -sT -T4 -Pn -n --stats-every 5s -oX - -iL - -p 22,80' \
	>no_route/nmap.xml 2>no_route/nmap.stderr || echo $? >no_route/nmap.exit
echo 198.51.100.7 | unshare -n sh -c 'ip link set lo up
	exec nmap -sT -T4 -Pn -n --stats-every 5s -oX - -iL -' \
	>no_route_only/nmap.xml 2>no_route_only/nmap.stderr || echo $? >no_route_only/nmap.exit
# no_route_syn: the same beside 127.0.0.1, as root with a SYN scan, which
# skips the target it finds no route to and says so on its standard error
# (setup_target: failed to determine route to 198.51.100.7).
mkdir -p no_route_syn
rm -f no_route_syn/nmap.exit
printf '%s\n' 127.0.0.1 198.51.100.7 | unshare -n sh -c 'ip link set lo up
	exec nmap -sS -T4 -Pn -n --stats-every 5s -oX - -iL - -p 22,80' \
	>no_route_syn/nmap.xml 2>no_route_syn/nmap.stderr || echo $? >no_route_syn/nmap.exit
# no_source_ipv6: 127.0.0.1 and ::1 in a network namespace whose IPv6 is
# disabled: nmap's -6 connect scan cannot send (connect: EADDRNOTAVAIL),
# says "Strange read error from ::1 (99 - 'Cannot assign requested
# address')" and reports the host, every port filtered for no-response.
mkdir -p no_source_ipv6
rm -f no_source_ipv6/*.exit
for v in 4 6; do
	f=nmap
	extra=
	[ "$v" = 4 ] || { f=nmap6; extra=-6; }
	[ "$v" = 4 ] && t=127.0.0.1 || t=::1
	echo "$t" | unshare -n sh -c 'sysctl -qw net.ipv6.conf.all.disable_ipv6=1
		sysctl -qw net.ipv6.conf.lo.disable_ipv6=1
		ip link set lo up
		exec nmap -sT -T4 -Pn -n --stats-every 5s -oX - -iL - -p 22,80 '"$extra" \
		>"no_source_ipv6/$f.xml" 2>"no_source_ipv6/$f.stderr" || echo $? >"no_source_ipv6/$f.exit"
done
# refused_routes: in a network namespace of loopback alone, routes of the
# machine's own refusing three addresses (unreachable, prohibit,
# blackhole), beside 127.0.0.1: nmap reports each host all the same,
# filtered for host-unreach, admin-prohibited, and no-response beside a
# "Strange read error".
mkdir -p refused_routes
rm -f refused_routes/nmap.exit
printf '%s\n' 10.10.0.7 10.11.0.7 10.12.0.7 127.0.0.1 | unshare -n sh -c 'ip link set lo up
	ip route add unreachable 10.10.0.0/16
	ip route add prohibit 10.11.0.0/16
	ip route add blackhole 10.12.0.0/16
	exec nmap -sT -T4 -Pn -n --stats-every 5s -oX - -iL - -p 22' \
	>refused_routes/nmap.xml 2>refused_routes/nmap.stderr || echo $? >refused_routes/nmap.exit
# scan_syn, scan_fin: the SYN (-sS) and FIN (-sF) scans, as root, that
# OpenAEV's own nmap injector offers as contracts of their own, on an IPv4
# and an IPv6 target. A SYN scan finds 18100 open and 127.0.0.1's full
# queue filtered; a FIN scan gets no answer from either: open|filtered,
# which the injector does not count as open (OpenAEV's does not either).
for st in syn:-sS fin:-sF; do
	c=scan_${st%%:*}
	mkdir -p "$c"
	rm -f "$c"/*.exit
	echo 127.0.0.1 | nmap -n -Pn ${st#*:} -T4 -oX - -iL - $ports \
		>"$c/nmap.xml" 2>"$c/nmap.stderr" || echo $? >"$c/nmap.exit"
	echo ::1 | nmap -n -Pn ${st#*:} -T4 -oX - -iL - $ports -6 \
		>"$c/nmap6.xml" 2>"$c/nmap6.stderr" || echo $? >"$c/nmap6.exit"
done
# error: a SYN scan run without privileges (nmap quits with exit code 1).
mkdir -p error
echo 127.0.0.1 | setpriv --reuid=nobody --regid=nogroup --clear-groups \
	nmap -n -Pn -sS -T4 -oX - -iL - $ports \
	>error/nmap.xml 2>error/nmap.stderr || echo $? >error/nmap.exit
# quit: nmap refuses a port list before its scan starts (a service name it
# does not know): its fatal() writes a bare <nmaprun>, no packet sent.
scan quit nmap "-p nosuchservice" 127.0.0.1
# quit_scanning: nmap quits once its scan has started (the connect scan
# probed the port, then the OS scan finds no raw socket): exit code 1 too,
# but a report whose root nmap wrote whole.
mkdir -p quit_scanning
echo 127.0.0.1 | setpriv --reuid=nobody --regid=nogroup --clear-groups \
	nmap --privileged $args -p 18101 -O \
	>quit_scanning/nmap.xml 2>quit_scanning/nmap.stderr || echo $? >quit_scanning/nmap.exit
# progress: a polite (-T2) scan, slow enough for nmap to write <taskprogress>
# (every second here, every 5s in the injector).
scan progress nmap "-p 18100-18115 -T2 --stats-every 1s" 127.0.0.1
# service_progress: -sV on a port that never answers: nmap's service scan
# progress lines carry a percent but no remaining time or estimate.
scan service_progress nmap "-p 18163 -sV --stats-every 1s" 127.0.0.1
# truncated: a real capture cut inside its second host.
mkdir -p truncated
awk '/<host /{n++} n==2 && /<port /{print; exit} {print}' several_hosts/nmap.xml >truncated/nmap.xml
# hostname_truncated: localhost given by name, then by address, with more
# open ports than a timed-out run keeps of the results that name no target;
# cut inside its second host, as a run killed at its deadline leaves it.
scan hostname_truncated nmap "-p 18120-18131" localhost 127.0.0.1
awk '/<host /{n++} n==2 && /<port /{print; exit} {print}' hostname_truncated/nmap.xml >hostname_truncated/nmap.cut
mv hostname_truncated/nmap.cut hostname_truncated/nmap.xml
# name_not_a_host: names that resolve to addresses that are no host, 0.0.0.0
# (a DNS sinkhole's answer for a blocked name), a multicast address and the
# limited broadcast address, beside an address, with the injector's own
# arguments (--exclude of those): nmap leaves the names out without a
# word, where without --exclude it scans 0.0.0.0, the machine itself, and
# reports the others, every port filtered for net-unreach (the kernel
# refuses each connect()). Run in network and mount namespaces of its own
# (unshare -n -m, as root): loopback alone, a default route on it, and
# /etc/hosts bound to a file naming them, the machine's own untouched.
mkdir -p name_not_a_host
rm -f name_not_a_host/nmap.exit
hosts=$(mktemp)
printf '%s\n' '0.0.0.0 sinkholed.test' '224.0.0.5 mcast.test' '255.255.255.255 bcast.test' >"$hosts"
printf '%s\n' sinkholed.test mcast.test bcast.test 127.0.0.1 | unshare -n -m --propagation private sh -c 'ip link set lo up
	ip route add default dev lo
	mount --bind "$1" /etc/hosts
	exec nmap -sT -T4 -Pn -n --stats-every 5s -oX - -iL - --exclude 0.0.0.0,255.255.255.255,224.0.0.0/4 -p 28585' sh "$hosts" \
	>name_not_a_host/nmap.xml 2>name_not_a_host/nmap.stderr || echo $? >name_not_a_host/nmap.exit
rm -f "$hosts"
# down_local, down_local_syn: an address on the machine's own segment that no
# host holds (10.77.0.9, beside 10.77.0.1 on one end of a veth pair in a
# network namespace of its own), beside 127.0.0.1, with the injector's own
# arguments. The connect scan's every connect() waits on ARP, which nothing
# answers: no TCP packet leaves, and nmap reports the host all the same (-Pn:
# user-set), every port filtered for no-response; the kernel's neighbour
# table holds the address incomplete (/proc/net/arp: flags 0x0). The SYN
# scan, as root, asks ARP itself, and with no answer leaves the host out.
for c in down_local down_local_syn; do
	mkdir -p "$c"
	rm -f "$c/nmap.exit"
done
for s in T:down_local S:down_local_syn; do
	printf '%s\n' 127.0.0.1 10.77.0.9 | unshare -n sh -c 'ip link set lo up
		ip link add v0 type veth peer name v1
		ip addr add 10.77.0.1/24 dev v0
		ip link set v0 up
		ip link set v1 up
		exec nmap -s$1 -T4 -Pn -n --stats-every 5s -oX - -iL - --exclude 0.0.0.0,255.255.255.255,224.0.0.0/4 -p 22,80' sh "${s%%:*}" \
		>"${s#*:}/nmap.xml" 2>"${s#*:}/nmap.stderr" || echo $? >"${s#*:}/nmap.exit"
done
