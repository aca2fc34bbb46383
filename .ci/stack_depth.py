#!/usr/bin/env python3
"""Worst-case stack depth of ntpkit's public entry points on a Cortex-M image.

Combines the per-function frame sizes of `-Z emit-stack-sizes` (llvm-readobj
--stack-sizes) with the direct call graph from llvm-objdump (`bl`/`b.w` to a symbol),
and prints, for every `probe_*` function, the deepest path through its callees.
Indirect calls are listed and make the figure a lower bound (there are none today).
Usage: stack_depth.py READOBJ OBJDUMP ELF
"""
import re
import subprocess
import sys

readobj, objdump, elf = sys.argv[1:4]
sizes = {}
text = subprocess.run([readobj, "--stack-sizes", elf], capture_output=True, text=True, check=True).stdout
for m in re.finditer(r"Functions: \[([^\]]+)\]\s+Size: 0x([0-9A-Fa-f]+)", text):
    for name in m.group(1).split(", "):
        sizes[name.strip()] = int(m.group(2), 16)

calls, indirect, current = {}, {}, None
asm = subprocess.run([objdump, "-d", "--no-show-raw-insn", elf], capture_output=True, text=True, check=True).stdout
for line in asm.splitlines():
    head = re.match(r"^[0-9a-f]+ <(.+)>:$", line)
    if head:
        current = head.group(1)
        calls.setdefault(current, set())
        continue
    if current is None:
        continue
    call = re.search(r"\t(bl|blx|b\.w|b)\s+0x[0-9a-f]+ <([^>+]+)>", line)
    if call and call.group(2) != current:
        calls[current].add(call.group(2))
    elif re.search(r"\tblx\s+r\d", line):
        indirect[current] = indirect.get(current, 0) + 1

def depth(fn, seen=()):
    if fn in seen:
        raise SystemExit(f"recursion through {fn}")
    own = sizes.get(fn, 0)
    best, path = 0, []
    for callee in calls.get(fn, ()):
        d, p = depth(callee, seen + (fn,))
        if d > best:
            best, path = d, p
    return own + best, [fn] + path

def short(name):
    m = re.search(r"probe_\w+", name)
    return m.group(0) if m else name

failed = False
for fn in sorted(f for f in calls if "probe_" in f):
    total, path = depth(fn)
    note = " (has indirect calls: lower bound)" if any(indirect.get(p) for p in path) else ""
    print(f"{short(fn):24} {total:5} bytes{note}")
    if total > int(sys.argv[4]) if len(sys.argv) > 4 else False:
        failed = True
sys.exit(1 if failed else 0)
