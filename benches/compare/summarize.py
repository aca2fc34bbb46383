"""Prints the comparison table from criterion's saved baselines and the callgrind counts.

usage: summarize.py CRITERION_HOME run1,run2,... ICOUNT_TSV|'' ICOUNT_N
"""
import json
import os
import statistics
import sys

crit, runs, icount_path, n = sys.argv[1], sys.argv[2].split(","), sys.argv[3], int(sys.argv[4])
GROUPS = ["parse", "process", "serialize", "build_serialize", "compute", "respond"]
FLOOR = "floor"  # the reference row of every group
LABEL = {
    ("parse", "floor_copy"): "floor: copy 48 bytes",
    ("parse", "floor"): "floor: fields into a struct",
    ("parse", "ntpkit"): "`Packet::parse`",
    ("parse", "ntpkit_view"): "`PacketView::new_checked` + 4 timestamps",
    ("process", "floor"): "floor: parse + checks + offset/delay",
    ("process", "ntpkit"): "`PendingRequest::process`",
    ("process", "sntpc"): "`sntp_process_response`",
    ("serialize", "floor"): "floor: struct to bytes",
    ("serialize", "ntpkit"): "`Packet::emit`",
    ("build_serialize", "floor"): "floor: request to bytes",
    ("build_serialize", "ntpkit"): "`ClientRequest::build` (nonce)",
    ("build_serialize", "sntpc"): "`sntp_send_request`",
    ("build_serialize", "ntp-proto"): "`poll_message` + serialize",
    ("build_serialize", "ntp"): "`Vec::from(Packet)` (allocates)",
    ("compute", "floor"): "floor: i64 32.32",
    ("compute", "ntpkit"): "`offset_delay`",
    ("respond", "floor"): "floor: check request, reply to bytes",
    ("respond", "ntpkit"): "`server::respond`",
    ("respond", "ntpkit_interleave"): "`InterleaveTable::respond` (basic request)",
}

ir = {}
if icount_path and os.path.exists(icount_path):
    for line in open(icount_path):
        case, total = line.split("\t")
        ir[case] = int(total.replace(",", "")) / n
loop = ir.get("empty/loop", 0.0)


def median_ns(group, impl):
    values = []
    for run in runs:
        path = os.path.join(crit, group, impl, run, "estimates.json")
        if os.path.exists(path):
            values.append(json.load(open(path))["median"]["point_estimate"])
    return statistics.median(values) if values else None


print("| group | implementation | median ns | × floor | Ir/op | × floor (Ir) |")
print("|---|---|---:|---:|---:|---:|")
verdicts = []
for group in GROUPS:
    gdir = os.path.join(crit, group)
    if not os.path.isdir(gdir):
        continue
    impls = sorted(d for d in os.listdir(gdir) if d != "report")
    order = sorted(impls, key=lambda i: (not i.startswith("floor"), not i.startswith("ntpkit"), i))
    floor_ns = median_ns(group, FLOOR)
    floor_ir = ir.get(f"{group}/{FLOOR}")
    floor_ir = floor_ir - loop if floor_ir is not None else None
    rows = {}
    for impl in order:
        ns = median_ns(group, impl)
        i = ir.get(f"{group}/{impl}")
        net = i - loop if i is not None else None
        rows[impl] = (ns, net)
        name = LABEL.get((group, impl), impl)
        if impl.startswith("ntpkit"):
            name = f"**ntpkit {name}**"
        elif not impl.startswith("floor"):
            name = f"{impl} {name}" if (group, impl) in LABEL else impl
        tr = f"{ns / floor_ns:.2f}×" if ns and floor_ns else "–"
        irs = f"{net:.0f}" if net is not None else "–"
        irr = f"{net / floor_ir:.2f}×" if net is not None and floor_ir else "–"
        print(f"| {group} | {name} | {ns:.2f} | {tr} | {irs} | {irr} |" if ns else f"| {group} | {name} | – | – | {irs} | {irr} |")
    if "ntpkit" in rows and floor_ns:
        ns, net = rows["ntpkit"]
        peers = {k: v for k, v in rows.items() if not k.startswith(("floor", "ntpkit"))}
        ahead = all(ns < p[0] for p in peers.values() if p[0]) and all(
            net is None or p[1] is None or net < p[1] for p in peers.values())
        within = ns / floor_ns <= 1.3 and (net is None or floor_ir is None or net / floor_ir <= 1.3)
        verdicts.append(f"- {group}: ntpkit {ns / floor_ns:.2f}× the floor in time"
                        + (f", {net / floor_ir:.2f}× in instructions" if net is not None and floor_ir else "")
                        + (" — within 1.3×" if within else " — NOT within 1.3×")
                        + ("" if not peers else ("; ahead of every peer" if ahead else "; NOT ahead of every peer")))
print()
print(f"Ir is net of the empty measuring loop ({loop:.1f} Ir/call).")
print()
print("\n".join(verdicts))
