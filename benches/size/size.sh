#!/usr/bin/env bash
# Flash cost of one minimal client exchange (build a request, validate the reply,
# offset/delay) and of the whole Client<4>, as the delta of each binary over `baseline`
# built with the same harness, LTO, panic=abort, codegen-units=1, plus the RAM of a
# Client<4>. Prints one table; with --check, fails when a figure is over budget or when
# a soft-float or 64-bit division helper is linked into either ntpkit binary.
#
#   usage: bash benches/size/size.sh [--check] [target...]
#   default targets: thumbv6m-none-eabi thumbv7em-none-eabihf riscv32imc-unknown-none-elf
#   PROFILES="release release-z release-o3" to report every opt-level (budget: release = "s").
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"   # .cargo/config.toml is read from here

CHECK=0
if [ "${1:-}" = "--check" ]; then CHECK=1; shift; fi
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=(thumbv6m-none-eabi thumbv7em-none-eabihf riscv32imc-unknown-none-elf)
PROFILES=${PROFILES:-release}
BINS=(floor_min ntpkit_min ntpkit_mac ntpkit_nts ntpkit_nts512 ntpkit_nts_gcm client4 client4_kept)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}

# Budgets in bytes for ntpkit_min at opt-level "s": the measurement of 2026-11-29 with
# rustc 1.95 (+1,124 / +1,344 / +1,888 B on thumbv7em / thumbv6m / riscv32imc) plus about
# 5 % for toolchain drift, kept as a ratchet: lower them as the code shrinks, never raise
# them without a reason. Re-based on 2026-11-29 because the harness changed: the reply's
# source address is now opaque (`black_box`), as it is in a firmware, where before the
# same constant was both server and source and the compiler folded the source check
# away. Under the new harness the code before the module restructuring measured +1,156 B
# on thumbv7em, 32 B more than now. The earlier ratchet (1,110 / 1,260 / 1,720) measured
# the folded check. The target was 700 B (thumbv7em) and 900 B (thumbv6m); the
# remaining gap is what the RFC checks cost that
# the hand-written floor skips (kiss-code classification, era ambiguity, dispersion and
# root distance), itemized in README.md.
budget() {
    case $1 in
    thumbv7em-none-eabihf) echo 1180 ;;
    thumbv6m-none-eabi) echo 1430 ;;
    riscv32imc-unknown-none-elf) echo 1980 ;;
    *) echo 0 ;;
    esac
}
# The whole Client<4> on thumbv7em (budgets set from the first measurement,
# 2026-11-22: +11,944 B flash after removing sort, memmove and 64-bit division, +12,152 B
# after the inline header decoding; RAM 2,912 B), plus about 5 %. Interleaved mode
# (2026-12-02) took it to +12,940 B and 3,136 B (56 B a server: the previous exchange
# in the builder and in the pending request, and the receive nonce); raised to match.
CLIENT4_FLASH_BUDGET=13200
CLIENT4_RAM_BUDGET=3200
# Keeping time: client4_kept (Client<4> + Discipline + SoftClock) over client4, on
# thumbv7em. Measured 2026-11-29: +6,672 B (SoftClock about 1,130 B of it). The goal
# was 2,048 B; the delay-weighted regression with its spike gate, variance blend and
# 64-bit-only arithmetic is what costs the rest (README, "Keeping time"). Ratchet:
# measurement plus about 5 %.
# 2026-12-02, with interleaved mode in the client (the discipline unchanged; inlining
# moved): +6,984 B. Raised to keep the 5 % margin.
KEPT_OVER_CLIENT4_BUDGET=7300
# NTS on the NTP side (ntpkit_nts*: the exchange with an 8-cookie jar), each AEAD, on
# thumbv7em. Measured 2026-12-02: +11,036 B (AES-SIV-CMAC-256), +10,964 B (-512),
# +11,000 B (AES-128-GCM-SIV); budget the largest plus about 5 %, a ratchet.
NTS_FLASH_BUDGET=11600

# Helpers that must never be linked: soft-float (double and single) and 64-bit division.
FORBIDDEN='__aeabi_[df](add|sub|mul|div|cmp|2|neg|rsub)|__(add|sub|mul|div|neg|cmp|eq|ne|lt|le|gt|ge|unord|extend|trunc|float|fix)[a-z]*[sd]f[0-9]?|__aeabi_u?ldivmod|__u?(div|mod)di3|__udivmoddi4|u64_div_rem|u128_div|__aeabi_u?[il]2[df]|__aeabi_[df]2'

tools="$(rustc --print sysroot)/lib/rustlib/$(rustc -vV | sed -n 's/^host: //p')/bin"
SIZE="$tools/llvm-size"
NM="$tools/llvm-nm"
[ -x "$SIZE" ] && [ -x "$NM" ] || { echo "error: llvm-size/llvm-nm missing: rustup component add llvm-tools" >&2; exit 1; }

status=0
printf "%-28s %-10s %-11s %6s %6s %5s %6s %7s %s\n" target profile binary text rodata data flash delta budget
for t in "${TARGETS[@]}"; do
    for p in $PROFILES; do
        cargo build --quiet --locked --profile "$p" --bins --target "$t"
        base=""
        for b in baseline "${BINS[@]}"; do
            f="$CARGO_TARGET_DIR/$t/$p/$b"
            read -r text rodata data < <("$SIZE" -A "$f" | awk '
                $1 == ".text" { t += $2 } $1 == ".rodata" { r += $2 } $1 == ".data" { d += $2 }
                END { print t + 0, r + 0, d + 0 }')
            flash=$((text + rodata + data))
            [ -z "$base" ] && base=$flash
            delta=$((flash - base))
            mark=""
            if [ "$b" = client4 ] && [ "$p" = release ] && [ "$t" = thumbv7em-none-eabihf ]; then
                mark="<= $CLIENT4_FLASH_BUDGET"
                if [ "$delta" -gt "$CLIENT4_FLASH_BUDGET" ]; then mark="OVER $CLIENT4_FLASH_BUDGET"; status=1; fi
            fi
            [ "$b" = client4 ] && client4_flash=$flash
            if [[ "$b" == ntpkit_nts* ]] && [ "$p" = release ] && [ "$t" = thumbv7em-none-eabihf ]; then
                mark="<= $NTS_FLASH_BUDGET"
                if [ "$delta" -gt "$NTS_FLASH_BUDGET" ]; then mark="OVER $NTS_FLASH_BUDGET"; status=1; fi
            fi
            if [ "$b" = client4_kept ] && [ "$p" = release ] && [ "$t" = thumbv7em-none-eabihf ]; then
                over=$((flash - client4_flash))
                mark="+$over over client4 <= $KEPT_OVER_CLIENT4_BUDGET"
                if [ "$over" -gt "$KEPT_OVER_CLIENT4_BUDGET" ]; then mark="+$over over client4: OVER $KEPT_OVER_CLIENT4_BUDGET"; status=1; fi
            fi
            if [ "$b" = ntpkit_min ] && [ "$p" = release ]; then
                limit=$(budget "$t")
                mark="<= $limit"
                if [ "$delta" -gt "$limit" ]; then mark="OVER $limit"; status=1; fi
            fi
            if [ "$b" != baseline ] && [ "$b" != floor_min ] && [ "$p" = release ]; then
                bad=$("$NM" -C "$f" | awk '{print $NF}' | grep -E "$FORBIDDEN" || true)
                if [ -n "$bad" ]; then
                    echo "error: $t $b links forbidden helpers:" $bad >&2
                    status=1
                fi
            fi
            [ "$b" = baseline ] && shown="-" || shown="+$delta"
            printf "%-28s %-10s %-11s %6d %6d %5d %6d %7s %s\n" "$t" "$p" "$b" "$text" "$rodata" "$data" "$flash" "$shown" "$mark"
        done
        if [ "$p" = release ]; then
            ram=$(( 16#$("$NM" -S "$CARGO_TARGET_DIR/$t/$p/ram_probe" | awk '$NF == "CLIENT4_RAM" { print $2 }') ))
            mark=""
            if [ "$t" = thumbv7em-none-eabihf ]; then
                mark="<= $CLIENT4_RAM_BUDGET"
                if [ "$ram" -gt "$CLIENT4_RAM_BUDGET" ]; then mark="OVER $CLIENT4_RAM_BUDGET"; status=1; fi
            fi
            printf "%-28s %-10s %-11s %s\n" "$t" "$p" "RAM" "size_of::<Client<4>>() = $ram B $mark"
            jar=$(( 16#$("$NM" -S "$CARGO_TARGET_DIR/$t/$p/ram_probe" | awk '$NF == "NTS_SESSION_RAM" { print $2 }') ))
            printf "%-28s %-10s %-11s %s\n" "$t" "$p" "RAM" "size_of::<NtsSession<AesSivCmac256>>() = $jar B (8-cookie jar)"
            # The check must fire on a binary that does use these helpers.
            probe=$("$NM" -C "$CARGO_TARGET_DIR/$t/$p/forbidden_probe" | awk '{print $NF}' | grep -E "$FORBIDDEN" || true)
            if ! grep -qE 'div' <<<"$probe" || ! grep -qE 'df|__aeabi_d|ul2d|__aeabi_f' <<<"$probe"; then
                echo "error: the helper check did not flag forbidden_probe on $t:" $probe >&2
                status=1
            fi
        fi
    done
done
if [ "$CHECK" = 1 ] && [ "$status" != 0 ]; then
    echo "size check failed" >&2
    exit 1
fi
