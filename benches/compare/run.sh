#!/usr/bin/env bash
# ntpkit next to sntpc, ntp-proto, ntp-parser, ntp and a hand-written floor, in one
# process: self-check, criterion medians (ns/op), callgrind instruction counts (Ir/op),
# then one Markdown table with each row's ratio to the floor of its group.
#
#   usage: bash benches/compare/run.sh [criterion filter]
#   env:   RUNS (criterion repetitions; the table shows the median of their medians, default 3)
#          BENCH_ARGS (default "--warm-up-time 1 --measurement-time 2")
#          ICOUNT_N (calls per callgrind case, default 10000); NO_VALGRIND=1 skips callgrind
#          CPU (core to pin to, default the last; CPU= disables pinning)
#          CHECK_ONLY=1: build and run the self-check only (what .ci/run does)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$HERE"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HERE/target}
export CRITERION_HOME="$CARGO_TARGET_DIR/criterion"
RUNS=${RUNS:-3}
BENCH_ARGS=${BENCH_ARGS:---warm-up-time 1 --measurement-time 2}
ICOUNT_N=${ICOUNT_N:-10000}
PIN=()
if [ -z "${CPU+x}" ]; then CPU=$(($(nproc) - 1)); fi
if [ -n "$CPU" ] && command -v taskset >/dev/null; then PIN=(taskset -c "$CPU"); fi

echo "== machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1); $(rustc -V)"
echo "== build (release, locked)"
cargo build --quiet --locked --release --bin icount
cargo bench --quiet --locked --bench compare --no-run
echo "== self-check"
"$CARGO_TARGET_DIR/release/icount" check
[ -n "${CHECK_ONLY:-}" ] && exit 0

echo "== criterion: $RUNS run(s), $BENCH_ARGS${PIN[*]:+, pinned: ${PIN[*]}}"
rm -rf "$CRITERION_HOME"
baselines=()
for i in $(seq 1 "$RUNS"); do
    echo "   run $i/$RUNS"
    # shellcheck disable=SC2086
    "${PIN[@]}" cargo bench --quiet --locked --bench compare -- --save-baseline "run$i" $BENCH_ARGS "$@" \
        >"$CARGO_TARGET_DIR/criterion-run$i.log" 2>&1 || { tail -30 "$CARGO_TARGET_DIR/criterion-run$i.log"; exit 1; }
    baselines+=("run$i")
done

icount=""
if [ -z "${NO_VALGRIND:-}" ] && command -v valgrind >/dev/null; then
    echo "== callgrind: $ICOUNT_N calls per case"
    icount="$CARGO_TARGET_DIR/icount.tsv"
    : >"$icount"
    for c in $("$CARGO_TARGET_DIR/release/icount" list); do
        f="$CARGO_TARGET_DIR/callgrind.$(tr '/' '_' <<<"$c").out"
        valgrind --tool=callgrind --callgrind-out-file="$f" --toggle-collect='*measured_loop*' \
            "$CARGO_TARGET_DIR/release/icount" "$c" "$ICOUNT_N" >/dev/null 2>&1
        printf "%s\t%s\n" "$c" "$(sed -n 's/^summary: *//p' "$f")" >>"$icount"
    done
else
    echo "== callgrind: skipped"
fi

echo
echo "Measured $(date -u +%Y-%m-%d) on $(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)), $(rustc -V | cut -d' ' -f1-2), median of $RUNS criterion runs; Ir = x86-64 instructions per call (callgrind)."
echo
python3 "$HERE/summarize.py" "$CRITERION_HOME" "$(IFS=,; echo "${baselines[*]}")" "$icount" "$ICOUNT_N"
