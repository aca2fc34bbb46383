#!/usr/bin/env bash
# Flash of ntpkit's client on embassy-net, thumbv7em-none-eabihf, opt-level "s", LTO:
# `stack` is embassy-net with one UDP socket (the baseline any embassy-net firmware
# pays); `stack_client4` adds Client<4> through ntpkit-embassy (the async driver, the
# transport and the EmbassyClock). Prints both and the delta; with --check, fails when
# the delta is over budget.
#
#   usage: bash adapters/embassy/size/size.sh [--check]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"   # .cargo/config.toml is read from here
# Measured 2026-12-02 with rustc 1.95: +15,440 B (benches/size puts Client<4> alone at
# +12,028 B over its baseline: the async driver, transport and clock are the rest).
# Ratchet: measurement plus about 5 %. Interleaved mode in the client took it to
# +16,192 B (Client<4> alone +12,940 B); raised to match.
DELTA_BUDGET=17000
tools="$(rustc --print sysroot)/lib/rustlib/$(rustc -vV | sed -n 's/^host: //p')/bin"
cargo build --quiet --locked --release --bins
flash() {
    "$tools/llvm-size" -A "target/thumbv7em-none-eabihf/release/$1" | awk '
        $1 == ".text" { t += $2 } $1 == ".rodata" { r += $2 } $1 == ".data" { d += $2 } END { print t + r + d }'
}
base=$(flash stack)
full=$(flash stack_client4)
delta=$((full - base))
echo "thumbv7em embassy-net stack with one UDP socket:      $base B"
echo "thumbv7em the same with Client<4> via ntpkit-embassy: $full B (+$delta B, budget $DELTA_BUDGET)"
if [ "${1:-}" = "--check" ] && [ "$delta" -gt "$DELTA_BUDGET" ]; then
    echo "embassy size check failed: +$delta B over the stack" >&2
    exit 1
fi
