#!/usr/bin/env bash
# Runs a command inside a network namespace of its own, with a TAP device `tap0` whose
# kernel side is 192.168.69.100/24 and chronyd serving NTP there on port 123 (`-x`: it
# never touches the clock). The command's own network stack (smoltcp, embassy-net)
# opens tap0 and takes 192.168.69.1. Nothing leaves the namespace. Needs root (CI runs
# as root), `unshare`, `ip` and /dev/net/tun.
#
#   usage: bash adapters/tap-chronyd.sh COMMAND [ARG...]
set -euo pipefail
if [ "${NTPKIT_IN_NETNS:-}" != 1 ]; then
    exec env NTPKIT_IN_NETNS=1 unshare --net -- bash "$0" "$@"
fi
chronyd=$(command -v chronyd || echo /usr/sbin/chronyd)
ip link set lo up
ip tuntap add tap0 mode tap
ip link set tap0 up
ip addr add 192.168.69.100/24 dev tap0
dir=$(mktemp -d)
printf '%s\n' "port 123" "bindaddress 192.168.69.100" "allow 192.168.69.0/24" "local stratum 8" \
    "cmdport 0" "bindcmdaddress /" "pidfile $dir/chronyd.pid" "driftfile $dir/chrony.drift" > "$dir/chrony.conf"
"$chronyd" -x -d -u root -f "$dir/chrony.conf" > "$dir/chronyd.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
sleep 0.5
kill -0 "$pid" || { cat "$dir/chronyd.log" >&2; exit 1; }
"$@"
