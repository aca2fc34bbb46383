#!/usr/bin/env bash
# Throughput of NTP servers on this machine, side by side, in one run: chronyd, ntpsec's
# ntpd and ntpkit's server glue, each pinned to one core, under the same load generator
# (src/bin/load.rs) pinned to another, on 127.0.0.1 only; plain and with an AES-128-CMAC
# key. Prints the highest rate each answers with < 1 % loss, and its ratio to chronyd's.
# Then NTS (AEAD_AES_SIV_CMAC_256, the one chrony 4.3 does): chronyd's NTS server and
# ntpkit's `nts_serve` example, requests built from a session `nts_query` saved.
#
#   usage: bash benches/load/run.sh        (needs: bash ../shared/interop/peers.sh install)
#   env:   STEP_MS (length of each load step, default 1000), REPEAT (rounds over every
#          server; the table shows each one's median, default 3), SERVER_CPU (default 0),
#          LOAD_CPU (default the last), PEERS_DIR (where peers.sh unpacked ntpsec)
# Servers run with -x (chronyd) or without CAP_SYS_TIME (ntpd): nothing touches the clock.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$HERE"
STEP_MS=${STEP_MS:-1000}
REPEAT=${REPEAT:-3}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-$(($(nproc) - 1))}
PEERS_DIR=${PEERS_DIR:-${TMPDIR:-/tmp}/ntpkit-peers}
NTPD="$PEERS_DIR/ntpsec-root/usr/sbin/ntpd"
KEY_HEX=6e74706b69742d6165732d636d616321 # "ntpkit-aes-cmac!", key ID 1
WORK=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

cargo build --quiet --locked --release
LOAD="$HERE/target/release/load"
SERVER="$HERE/target/release/server"
(cd ../.. && cargo build --quiet --locked --release -p ntpkit-nts-query)
NTS_QUERY="$HERE/../../target/release/nts_query"
NTS_SERVE="$HERE/../../target/release/nts_serve"
# A private CA and a localhost certificate for both NTS servers.
(
    cd "$WORK"
    ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
    openssl req -x509 "${ec[@]}" -keyout ca.key -out ca.pem -days 2 -subj "/CN=load CA" 2>/dev/null
    openssl req "${ec[@]}" -keyout server.key -out server.csr -subj /CN=localhost 2>/dev/null
    printf 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 \
        -extfile server.ext 2>/dev/null
)

# measure NAME ADDR [key | nts:KE_PORT] -> prints the rate
measure() {
    local args=("$2" --step-ms "$STEP_MS")
    case "${3:-}" in
    key) args+=(--key "1:$KEY_HEX") ;;
    nts:*)
        "$NTS_QUERY" --ca-file "$WORK/ca.pem" --ke-port "${3#nts:}" --aead 15 --count 1 \
            --save-session "$WORK/$1.session" localhost >"$WORK/$1.ke.log" 2>&1 || { cat "$WORK/$1.ke.log" >&2; return 1; }
        args+=(--nts "$WORK/$1.session")
        ;;
    esac
    taskset -c "$LOAD_CPU" "$LOAD" "${args[@]}" >"$WORK/$1.log"
    sed -n 's/^highest rate with < 1 % loss: \([0-9]*\) requests\/s$/\1/p' "$WORK/$1.log"
}

# start CMD... (pinned, in the background); waits until the port answers
start() {
    local port=$1; shift
    taskset -c "$SERVER_CPU" "$@" >"$WORK/server-$port.log" 2>&1 &
    PIDS+=($!)
    for _ in $(seq 50); do ss -Hulpn "sport = :$port" | grep -q . && break; sleep 0.1; done
    sleep 1.5 # ntpd serves once it has chosen its orphan stratum
}
stop_all() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; PIDS=(); }

declare -A RATE RUNS
for round in $(seq 1 "$REPEAT"); do
echo "round $round/$REPEAT" >&2
printf '1 AES128 HEX:%s\n' "$KEY_HEX" >"$WORK/chrony.keys"
cat >"$WORK/chrony.conf" <<CONF
port 11251
bindaddress 127.0.0.1
allow 127.0.0.1
local stratum 8
keyfile $WORK/chrony.keys
cmdport 0
bindcmdaddress /
pidfile $WORK/chronyd.pid
CONF
start 11251 chronyd -x -d -u root -f "$WORK/chrony.conf"
RUNS[chronyd]+=" $(measure chronyd 127.0.0.1:11251)"
RUNS[chronyd_key]+=" $(measure chronyd_key 127.0.0.1:11251 key)"
stop_all

if [ -x "$NTPD" ] && ! ss -Hulpn 'sport = :123' | grep -q .; then
    printf '1 AES %s\n' "$KEY_HEX" >"$WORK/ntp.keys"
    cat >"$WORK/ntp.conf" <<CONF
interface ignore all
interface ignore wildcard
interface listen 127.0.0.1
tos orphan 8 orphanwait 0
disable kernel
disable ntp
keys $WORK/ntp.keys
trustedkey 1
restrict default ignore
restrict 127.0.0.1
CONF
    start 123 setpriv --bounding-set -sys_time --inh-caps -sys_time -- "$NTPD" -n -c "$WORK/ntp.conf" -p "$WORK/ntpd.pid" -l "$WORK/ntpd.log"
    RUNS[ntpd]+=" $(measure ntpd 127.0.0.1:123)"
    RUNS[ntpd_key]+=" $(measure ntpd_key 127.0.0.1:123 key)"
    stop_all
else
    echo "ntpsec ntpd: not measured (not unpacked, or port 123 busy)" >&2
fi

start 11253 "$SERVER" 127.0.0.1:11253
RUNS[serve]+=" $(measure serve 127.0.0.1:11253)"
stop_all
start 11253 "$SERVER" 127.0.0.1:11253 --key "1:$KEY_HEX"
RUNS[serve_key]+=" $(measure serve_key 127.0.0.1:11253 key)"
stop_all
start 11254 "$SERVER" 127.0.0.1:11254 --batched 1
RUNS[batched]+=" $(measure batched 127.0.0.1:11254)"
stop_all

cat >"$WORK/chrony-nts.conf" <<CONF
port 11255
ntsport 11256
bindaddress 127.0.0.1
allow 127.0.0.1
local stratum 8
ntsservercert $WORK/server.pem
ntsserverkey $WORK/server.key
ntsdumpdir $WORK
cmdport 0
bindcmdaddress /
pidfile $WORK/chronyd-nts.pid
CONF
start 11255 chronyd -x -d -u root -f "$WORK/chrony-nts.conf"
RUNS[chronyd_nts]+=" $(measure chronyd_nts 127.0.0.1:11255 nts:11256)"
stop_all
start 11258 "$NTS_SERVE" --cert "$WORK/server.pem" --key "$WORK/server.key" --ke-port 11257 --ntp-port 11258
RUNS[nts_serve]+=" $(measure nts_serve 127.0.0.1:11258 nts:11257)"
stop_all

done
# The median of each server's rounds.
for k in "${!RUNS[@]}"; do
    RATE[$k]=$(tr ' ' '\n' <<<"${RUNS[$k]}" | grep . | sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }')
done

ratio() { [ -n "${1:-}" ] && [ -n "${2:-}" ] && [ "$2" -gt 0 ] && awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f×", a / b }' || echo "—"; }
# row LABEL KEY [KEY_WITH_MAC]: the medians, their ratios to chronyd's, and every round.
row() {
    local a="${RATE[$2]:-}" b="${3:+${RATE[$3]:-}}"
    printf '| %s | %s | %s | %s | %s | %s |\n' "$1" "${a:-—}" "$(ratio "$a" "${RATE[chronyd]:-}")" "${b:-—}" \
        "$(ratio "$b" "${RATE[chronyd_key]:-}")" "$(echo ${RUNS[$2]:-}) / $(echo ${3:+${RUNS[$3]:-}})"
}
echo
echo "Measured $(date -u +%Y-%m-%d) on $(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)); each server on CPU $SERVER_CPU, the generator on CPU $LOAD_CPU; highest request rate answered with < 1 % loss ($STEP_MS ms steps), median of $REPEAT rounds."
echo
echo "| server (one core) | requests/s | × chronyd | with AES-CMAC | × chronyd | rounds (plain / MAC) |"
echo "|---|---:|---:|---:|---:|---|"
row "chronyd $(chronyd -v | head -1 | cut -d' ' -f4)" chronyd chronyd_key
row "ntpsec ntpd" ntpd ntpd_key
row "ntpkit \`std_impls::serve\`" serve serve_key
row "ntpkit \`std_impls::batch::serve_batched\` (recvmmsg/sendmmsg)" batched
echo
echo "| NTS server (one core), AEAD_AES_SIV_CMAC_256 | requests/s | × chronyd | rounds |"
echo "|---|---:|---:|---|"
printf '| %s | %s | %s | %s |\n' "chronyd $(chronyd -v | head -1 | cut -d' ' -f4) NTS" "${RATE[chronyd_nts]:-—}" "$(ratio "${RATE[chronyd_nts]:-}" "${RATE[chronyd_nts]:-}")" "$(echo ${RUNS[chronyd_nts]:-})"
printf '| %s | %s | %s | %s |\n' "ntpkit \`nts_serve\` (respond_nts)" "${RATE[nts_serve]:-—}" "$(ratio "${RATE[nts_serve]:-}" "${RATE[chronyd_nts]:-}")" "$(echo ${RUNS[nts_serve]:-})"
