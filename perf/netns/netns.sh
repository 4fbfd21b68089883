#!/usr/bin/env bash
# Network namespaces joined by veth pairs on a bridge, each member's link shaped with tbf (rate, burst, queue
# latency), for runs where the kernel's network path matters (the test-only link faults inside the node do not
# model it). Needs root or CAP_NET_ADMIN; touches only what it creates: namespaces named ${PREFIX}-*, and the
# addresses 10.77.0.0/24 inside them. Never run by the test suite.
#
#   perf/netns/netns.sh up N [RATE] [BURST] [LATENCY]   # N member namespaces (default tbf 100mbit 32kbit 50ms)
#   perf/netns/netns.sh exec I COMMAND...               # run COMMAND in member I's namespace (address 10.77.0.(I+1))
#   perf/netns/netns.sh cut I J / join I J              # drop / restore traffic between members I and J (both ways)
#   perf/netns/netns.sh status                          # namespaces, addresses, qdiscs
#   perf/netns/netns.sh check                           # 1 MiB over TCP from member 0 to member 1 (shows the rate)
#   perf/netns/netns.sh down                            # remove every namespace this script created
set -euo pipefail

PREFIX=${CHAINMESH_NETNS_PREFIX:-cmnet}
HUB="${PREFIX}-hub"
SUBNET=10.77.0

die() { echo "error: $*" >&2; exit 2; }
member() { echo "${PREFIX}-m$1"; }
address() { echo "${SUBNET}.$(( $1 + 1 ))"; }
number() { [[ "$1" =~ ^[0-9]{1,3}$ ]] && (( $1 < 250 )) || die "'$1' is not a member index in [0, 250)"; }

require_tools() {
    command -v ip >/dev/null || die "ip (iproute2) is not installed"
    command -v tc >/dev/null || die "tc (iproute2) is not installed"
    ip netns list >/dev/null 2>&1 || die "cannot list network namespaces (needs root or CAP_NET_ADMIN)"
}

up() {
    local n=$1 rate=${2:-100mbit} burst=${3:-32kbit} latency=${4:-50ms}
    number "$n"
    (( n >= 2 )) || die "N=$n: at least 2 members"
    ip netns list | grep -q "^${HUB}\b" && die "namespaces ${PREFIX}-* exist already: run '$0 down' first"
    ip netns add "$HUB"
    ip -n "$HUB" link add br0 type bridge
    ip -n "$HUB" link set br0 up
    ip -n "$HUB" link set lo up
    for ((i = 0; i < n; i++)); do
        local ns; ns=$(member "$i")
        ip netns add "$ns"
        # Created inside the member namespace, so no interface ever appears in the caller's namespace.
        ip -n "$ns" link add eth0 type veth peer name "m$i" netns "$HUB"
        ip -n "$ns" addr add "$(address "$i")/24" dev eth0
        ip -n "$ns" link set lo up
        ip -n "$ns" link set eth0 up
        ip -n "$HUB" link set "m$i" master br0
        ip -n "$HUB" link set "m$i" up
        # What member i sends is shaped on its side; what it receives on the hub side: both directions capped.
        tc -n "$ns" qdisc add dev eth0 root tbf rate "$rate" burst "$burst" latency "$latency"
        tc -n "$HUB" qdisc add dev "m$i" root tbf rate "$rate" burst "$burst" latency "$latency"
    done
    echo "up: $n members, ${SUBNET}.1-${SUBNET}.$n, tbf rate $rate burst $burst latency $latency on each side"
}

down() {
    local removed=0
    for ns in $(ip netns list | awk '{print $1}' | grep "^${PREFIX}-" || true); do
        ip netns del "$ns"
        removed=$((removed + 1))
    done
    echo "down: $removed namespaces removed"
}

cut_or_join() {
    local action=$1 i=$2 j=$3
    number "$i"; number "$j"
    if [[ $action == cut ]]; then
        ip -n "$(member "$i")" route add blackhole "$(address "$j")/32"
        ip -n "$(member "$j")" route add blackhole "$(address "$i")/32"
    else
        ip -n "$(member "$i")" route del blackhole "$(address "$j")/32" 2>/dev/null || true
        ip -n "$(member "$j")" route del blackhole "$(address "$i")/32" 2>/dev/null || true
    fi
}

status() {
    for ns in $(ip netns list | awk '{print $1}' | grep "^${PREFIX}-" | sort || true); do
        echo "== $ns"
        ip -n "$ns" -brief addr show | grep -v "^lo" || true
        tc -n "$ns" qdisc show | grep tbf || true
    done
}

check() {
    # TCP from member 0 to member 1 through both shapers: the time of 1 MiB shows the tbf rate (python3, no ping here).
    command -v python3 >/dev/null || die "check needs python3"
    ip netns exec "$(member 1)" python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("'"$(address 1)"'", 7077)); s.listen(1)
c, _ = s.accept(); n = 0
while True:
    b = c.recv(65536)
    if not b: break
    n += len(b)
c.sendall(str(n).encode()); c.close()' &
    local server=$!
    sleep 0.5
    local result=0
    ip netns exec "$(member 0)" python3 -c '
import socket, time
t = time.monotonic(); c = socket.create_connection(("'"$(address 1)"'", 7077), timeout=5)
c.sendall(b"x" * 1048576); c.shutdown(socket.SHUT_WR); got = c.recv(64).decode()
d = time.monotonic() - t
print("check: %s bytes from %s to %s in %.2f s = %.1f Mbit/s" % (got, "'"$(address 0)"'", "'"$(address 1)"'", d, 8 * 1048576 / d / 1e6))' || result=$?
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    [[ $result -eq 0 ]] || echo "check: no connection from $(address 0) to $(address 1)"
    return $result
}

require_tools
case "${1:-}" in
    up) shift; [[ $# -ge 1 ]] || die "usage: $0 up N [RATE] [BURST] [LATENCY]"; up "$@" ;;
    down) down ;;
    exec) shift; [[ $# -ge 2 ]] || die "usage: $0 exec I COMMAND..."; number "$1"; ns=$(member "$1"); shift; exec ip netns exec "$ns" "$@" ;;
    cut|join) [[ $# -eq 3 ]] || die "usage: $0 $1 I J"; cut_or_join "$@" ;;
    status) status ;;
    check) check ;;
    *) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
