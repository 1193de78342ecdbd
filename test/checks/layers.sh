#!/usr/bin/env bash
# The layers and their calls, read off the built objects with nm: no file
# calls a file of a layer above it (http < aws < athena < fdw), and no two
# files call each other, directly or round a longer circle, so that a row's
# trip goes down the layers and back up.  (The include paths of src/Makefile
# already refuse an #include that reaches up; this also sees calls made
# through one shared header, as the shell's files are.)
#
# Needs a build (make), no cluster and no mock.
set -uo pipefail

cd "$(dirname "$0")/../.."
. test/lib/tap.sh

while read -r status description; do
	ok "$status" "$description"
done < <(/usr/bin/python3 - <<'PY'
import collections, glob, os, subprocess

LAYERS = ["http", "aws", "athena", "fdw"]
objs = sorted(glob.glob("src/build/release/*/*.o") + glob.glob("src/fdw/*.o"))
layer = {}
defs = {}
uses = collections.defaultdict(set)
for o in objs:
    name = os.path.splitext(os.path.basename(o))[0]
    layer[name] = os.path.basename(os.path.dirname(o))
    for line in subprocess.run(["nm", o], capture_output=True,
                               text=True).stdout.splitlines():
        f = line.split()
        if len(f) == 3 and f[1] in "TDBR":
            defs[f[2]] = name
        elif len(f) == 2 and f[0] == "U":
            uses[name].add(f[1])
calls = collections.defaultdict(set)
for f, syms in uses.items():
    for s in syms:
        d = defs.get(s)
        if d is not None and d != f:
            calls[f].add(d)

print(0 if len(objs) > 30 else 1, "the objects of every layer are built (%d)" % len(objs))
up = ["%s (%s) calls %s (%s)" % (f, layer[f], d, layer[d])
      for f in sorted(calls) for d in sorted(calls[f])
      if LAYERS.index(layer[d]) > LAYERS.index(layer[f])]
print(0 if not up else 1, "no call goes up a layer" + ("" if not up else ": " + "; ".join(up)))

# circles: strongly connected components of more than one file
index, low, stack, on, circles = {}, {}, [], set(), []
def visit(v, counter=[0]):
    index[v] = low[v] = counter[0]; counter[0] += 1
    stack.append(v); on.add(v)
    for w in calls[v]:
        if w not in index:
            visit(w); low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop(); on.discard(w); comp.append(w)
            if w == v:
                break
        if len(comp) > 1:
            circles.append(" <-> ".join(sorted(comp)))
for v in list(calls):
    if v not in index:
        visit(v)
print(0 if not circles else 1, "no two files call each other" +
      ("" if not circles else ": " + "; ".join(circles)))
PY
)
tap_finish
