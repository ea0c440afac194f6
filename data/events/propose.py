#!/usr/bin/env python3
"""Proposes candidate same-event article groups from the shared corpus, for
labelling by hand (see README.md in this directory).

Candidates are headlines from different outlets, published within two days
of each other, that share rare words (headline-level IDF), a method
independent of riwaya's own story clustering. The output lists, per group,
each article's id, outlet, time, headline and first words; a person then
reads the articles and decides which report the same event.

usage: propose.py ../../../shared/corpus/ant-news.jsonl.zst [--min-score 12] [--limit 400]
"""
import argparse, collections, datetime, io, json, math, re, subprocess

ap = argparse.ArgumentParser()
ap.add_argument("corpus")
ap.add_argument("--min-score", type=float, default=12.0)
ap.add_argument("--limit", type=int, default=400)
a = ap.parse_args()

DIAC = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u0640]")
FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ى": "ي", "ة": "ه"})
WORD = re.compile(r"\w+")
INTERNATIONAL = {"skynews", "alarabia", "france24", "BBC", "CNN"}

def words(t):
    return {w for w in WORD.findall(DIAC.sub("", t).translate(FOLD).lower()) if len(w) > 2}

proc = subprocess.Popen(["zstd", "-dc", a.corpus], stdout=subprocess.PIPE)
docs = []
for line in io.TextIOWrapper(proc.stdout, encoding="utf-8"):
    r = json.loads(line)
    if r.get("source") not in INTERNATIONAL or not r.get("published", "").startswith("2018"):
        continue
    t = datetime.datetime.fromisoformat(r["published"].replace("Z", "+00:00"))
    docs.append((r["id"], r["source"], t, r["title"], r["text"], words(r["title"])))

df = collections.Counter(w for d in docs for w in d[5])
idf = {w: math.log(len(docs) / n) for w, n in df.items()}
postings = collections.defaultdict(list)
for i, d in enumerate(docs):
    for w in d[5]:
        if df[w] <= 40:
            postings[w].append(i)
pairs = collections.Counter()
for w, ids in postings.items():
    for x in ids:
        for y in ids:
            if x < y and docs[x][1] != docs[y][1] and abs((docs[x][2] - docs[y][2]).total_seconds()) <= 2 * 86400:
                pairs[(x, y)] += idf[w]
# Group strong pairs into connected components.
parent = list(range(len(docs)))
def find(x):
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x
for (x, y), s in pairs.items():
    if s >= a.min_score:
        parent[find(x)] = find(y)
groups = collections.defaultdict(list)
for (x, y), s in pairs.items():
    if s >= a.min_score:
        groups[find(x)].extend([x, y])
ranked = sorted(groups.values(), key=lambda g: (-len({docs[i][1] for i in g}), docs[g[0]][2]))
for n, g in enumerate(ranked[: a.limit]):
    members = sorted(set(g), key=lambda i: docs[i][2])
    print(f"=== group {n}: {len({docs[i][1] for i in members})} outlets")
    for i in members:
        d = docs[i]
        print(f"{d[0]}\t{d[1]}\t{d[2]:%Y-%m-%d %H:%M}\t{d[3]}\n\t{d[4][:300].replace(chr(10), ' ')}")
