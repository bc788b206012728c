# SPDX-License-Identifier: MIT
# Shared helpers for the end-to-end tests: sourced by tests/e2e/*.sh, never run.
#
# A test sources this file, then calls e2e_need_netns (namespace tests) and
# e2e_pair to get two namespaces joined by a veth pair:
#
#   $E2E_C  client namespace, interface $E2E_CIF, address $E2E_CADDR
#   $E2E_S  server namespace, interface $E2E_SIF, address $E2E_SADDR
#
# Names are ndxe2e-<script>-{c,s}, addresses 10.199.0.1/.2 (private, only
# inside the namespaces). IPv6 is off and neighbours are static, so the only
# packets on the link are the ones the test sends. Everything the test
# created (namespaces, background processes, temporary files) is removed on
# exit, whatever the exit path (trap EXIT).
set -u
export LC_ALL=C

# 'make e2e' globs tests/e2e/*.sh, which includes this file: run on its own
# it is not a test.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
	echo "SKIP: lib.sh is the helper library of the e2e tests, not a test"
	exit 77
fi

E2E_NAME=$(basename "$0" .sh)
E2E_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
NETDX=${NETDX:-$E2E_TOP/netdx}
E2E_TMP=$(mktemp -d "/tmp/ndxe2e-$E2E_NAME.XXXXXX")
E2E_NS=()
E2E_PIDS=()
E2E_FAILS=0

e2e_cleanup() {
	local p n
	set +e
	for p in "${E2E_PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	for n in "${E2E_NS[@]}"; do
		# Anything still running inside (a socat the test started).
		for p in $(ip netns pids "$n" 2>/dev/null); do
			kill -KILL "$p" 2>/dev/null
		done
		ip netns del "$n" 2>/dev/null
	done
	rm -rf "$E2E_TMP"
}
trap e2e_cleanup EXIT

skip() {
	echo "SKIP: $*"
	exit 77
}

info() {
	echo "INFO: $*"
}

# Records a failed assertion and goes on (the script's result is the sum).
fail() {
	echo "FAIL: $*" >&2
	E2E_FAILS=$((E2E_FAILS + 1))
}

# Stops the test now (setup could not be done).
die() {
	echo "FAIL: $*" >&2
	exit 1
}

# Last line of every test: exit 0 if no assertion failed.
e2e_done() {
	if ((E2E_FAILS)); then
		echo "$E2E_NAME: $E2E_FAILS assertion(s) failed" >&2
		exit 1
	fi
	echo "$E2E_NAME: ok"
	exit 0
}

assert_eq() { # GOT WANT WHAT
	if [[ "$1" == "$2" ]]; then
		echo "ok: $3 = $2"
	else
		fail "$3: got '$1', want '$2'"
	fi
}

assert_match() { # STRING REGEX WHAT
	if [[ "$1" =~ $2 ]]; then
		echo "ok: $3"
	else
		fail "$3: '$1' does not match /$2/"
	fi
}

assert_file_contains() { # FILE FIXED-STRING WHAT
	if grep -qF -- "$2" "$1"; then
		echo "ok: $3"
	else
		fail "$3: '$2' not in $1:"
		sed 's/^/    /' "$1" >&2
	fi
}

e2e_need_netdx() {
	[[ -x "$NETDX" ]] || skip "no netdx binary at $NETDX (build it or set NETDX)"
}

e2e_need_tools() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || skip "$t not installed"
	done
}

# Root and working network namespaces, else SKIP.
e2e_need_netns() {
	e2e_need_netdx
	[[ $(id -u) -eq 0 ]] || skip "needs root (network namespaces, live capture)"
	e2e_need_tools ip
	ip netns list >/dev/null 2>&1 || skip "ip netns is unavailable"
	local probe="ndxe2e-$E2E_NAME-probe"
	ip netns del "$probe" 2>/dev/null
	ip netns add "$probe" 2>/dev/null || skip "cannot create a network namespace"
	ip netns del "$probe"
}

# Creates the two namespaces and the veth pair (see the top of this file).
e2e_pair() {
	E2E_C="ndxe2e-$E2E_NAME-c"
	E2E_S="ndxe2e-$E2E_NAME-s"
	E2E_CIF=e2ec0 E2E_SIF=e2es0
	E2E_CADDR=10.199.0.1 E2E_SADDR=10.199.0.2
	E2E_CMAC=02:00:0a:c7:00:01 E2E_SMAC=02:00:0a:c7:00:02
	local n
	for n in "$E2E_C" "$E2E_S"; do
		# A namespace left by a killed earlier run of this same script.
		ip netns del "$n" 2>/dev/null
		ip netns add "$n" || die "ip netns add $n"
		E2E_NS+=("$n")
		ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 >/dev/null ||
			die "$n: cannot disable IPv6"
		ip -n "$n" link set lo up
	done
	ip link add "$E2E_CIF" netns "$E2E_C" address "$E2E_CMAC" type veth \
		peer name "$E2E_SIF" netns "$E2E_S" address "$E2E_SMAC" ||
		die "cannot create the veth pair"
	ip -n "$E2E_C" addr add "$E2E_CADDR/24" dev "$E2E_CIF"
	ip -n "$E2E_S" addr add "$E2E_SADDR/24" dev "$E2E_SIF"
	for n in "$E2E_C $E2E_CIF" "$E2E_S $E2E_SIF"; do
		set -- $n
		ip -n "$1" link set "$2" up || die "cannot bring $2 up"
		# Wire-sized frames in the capture: no segmentation offload.
		ip netns exec "$1" ethtool -K "$2" tso off gso off gro off \
			>/dev/null 2>&1
	done
	# No ARP on the wire: the test counts every frame it causes.
	ip -n "$E2E_C" neigh replace "$E2E_SADDR" lladdr "$E2E_SMAC" \
		dev "$E2E_CIF" nud permanent || die "static neighbour"
	ip -n "$E2E_S" neigh replace "$E2E_CADDR" lladdr "$E2E_CMAC" \
		dev "$E2E_SIF" nud permanent || die "static neighbour"
}

# Runs a command in the background inside namespace NS, stdout/stderr to
# OUT/ERR; sets E2E_PID (the command itself: ip netns exec execs it).
e2e_bg() { # NS OUT ERR CMD...
	local ns=$1 out=$2 errf=$3
	shift 3
	ip netns exec "$ns" "$@" >"$out" 2>"$errf" &
	E2E_PID=$!
	E2E_PIDS+=("$E2E_PID")
}

# Waits (bounded, 20 s) until process PID in namespace NS has a packet
# socket on IFACE with its receive ring set up and, when WANT_FILTER is 1,
# its BPF filter attached: from then on every packet on IFACE reaches it.
# This waits for a state, it asserts nothing about time.
e2e_wait_capturing() { # NS PID IFACE WANT_FILTER
	local ns=$1 pid=$2 ifc=$3 want_filter=$4 i s
	for ((i = 0; i < 200; i++)); do
		kill -0 "$pid" 2>/dev/null || return 1
		s=$(ip netns exec "$ns" ss -0 -e -b -p -n 2>/dev/null |
			awk -v p="pid=$pid," -v i="*:$ifc" '
				/^p_/ { mine = index($0, p) > 0 && index($0, i) > 0 }
				mine && /ring_rx/ { ring = 1 }
				mine && /bpf filter/ { bpf = 1 }
				END { print ring + 0, bpf + 0 }')
		if [[ "$s" == "1 1" || ("$s" == "1 0" && $want_filter == 0) ]]; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# Waits (bounded) for PID, a child of this shell, to exit and sets E2E_RC
# to its exit status; a process still running after SECS seconds is killed
# and reported as 124 (hang). Not in $(...): only this shell can wait.
e2e_wait_exit() { # PID SECS
	local pid=$1 secs=$2 i
	for ((i = 0; i < secs * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		E2E_RC=124
		return
	fi
	wait "$pid"
	E2E_RC=$?
}

# Sends one UDP datagram of LEN payload bytes from SPORT in namespace NS to
# DST:DPORT (one socat per datagram: exactly one packet each).
e2e_udp_send() { # NS SPORT DST DPORT LEN
	local pad
	printf -v pad '%*s' "$5" ''
	printf '%s' "${pad// /x}" |
		ip netns exec "$1" socat -t 0 -u - \
			"UDP-DATAGRAM:$3:$4,bind=:$2,reuseaddr" ||
		die "socat could not send from port $2 to $3:$4"
}

# Drops incoming UDP to/from PORT in namespace NS before any socket sees
# it, so datagrams nobody listens for cause no ICMP port-unreachable. The
# capture still sees them (packet taps run before netfilter).
e2e_nft_drop_udp() { # NS PORT
	ip netns exec "$1" nft add table inet e2e 2>/dev/null
	ip netns exec "$1" nft add chain inet e2e in \
		'{ type filter hook input priority 0; }' 2>/dev/null
	ip netns exec "$1" nft add rule inet e2e in udp dport "$2" drop &&
		ip netns exec "$1" nft add rule inet e2e in udp sport "$2" drop ||
		die "nft rule for udp port $2"
}
