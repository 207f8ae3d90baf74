#!/usr/bin/env python3
"""Checks a Grafana dashboard against live scrapes.

dashboard_check.py DASHBOARD.json SCRAPES.jsonl...
SCRAPES are metrics_parse.py output (one JSON object per scraped daemon).
Exits 1 listing every opendfs_* metric a panel's query references that no
scraped daemon exports (a histogram's _bucket/_sum/_count count as its
family), or when the dashboard is not valid JSON or has no queries.
"""
import json, re, sys

dash = json.load(open(sys.argv[1]))
families = {}
for path in sys.argv[2:]:
    for line in open(path):
        families.update(json.loads(line)["types"])

exprs = []
def walk(panels):
    for p in panels:
        exprs.extend(t["expr"] for t in p.get("targets", []) if "expr" in t)
        walk(p.get("panels", []))
walk(dash.get("panels", []))
if not exprs:
    sys.exit("dashboard has no queries")

missing = set()
for e in exprs:
    for name in re.findall(r"\bopendfs_[a-z0-9_]+", e):
        fam = re.sub(r"_(bucket|sum|count)$", "", name)
        if name in families or families.get(fam) == "histogram":
            continue
        missing.add(name)
if missing:
    sys.exit("dashboard references metrics no daemon exports: " + ", ".join(sorted(missing)))
print(f"dashboard: {len(exprs)} queries, every metric exported")
