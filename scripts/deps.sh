#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the Debian packages netdx needs to build and test (idempotent).
#   scripts/deps.sh          install what is missing (root), else explain
#   scripts/deps.sh --check  only report what is missing
#   scripts/deps.sh --bench  also the benchmark peers
set -u

PKGS=(gcc make clang pkg-config libpcap-dev libjson-c-dev zlib1g-dev
      libcriterion-dev libclang-rt-14-dev llvm-14 tshark tcpdump iproute2
      gzip jq socat nftables netcat-openbsd ethtool procps)
BENCH_PKGS=(tcptrace time iperf3 nginx-light wrk nftables dnsutils iputils-ping python3)

check_only=0
for a in "$@"; do
	case "$a" in
	--check) check_only=1 ;;
	--bench) PKGS+=("${BENCH_PKGS[@]}") ;;
	*) echo "deps.sh: unknown option '$a'" >&2; exit 2 ;;
	esac
done

missing=()
for p in "${PKGS[@]}"; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
	[[ "$st" == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
	exit 0
fi
if ((check_only)); then
	echo "deps: missing Debian packages: ${missing[*]}"
	exit 1
fi
if [[ $(id -u) -ne 0 ]]; then
	echo "deps: missing Debian packages: ${missing[*]}" >&2
	echo "deps: run 'sudo make deps' (or install them with apt-get) and try again" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no, do not prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections 2>/dev/null || true
apt-get update -qq || { echo "deps: apt-get update failed" >&2; exit 1; }
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
	{ echo "deps: apt-get install failed" >&2; exit 1; }
