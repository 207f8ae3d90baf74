#!/usr/bin/env python3
"""Scrape Prometheus text-format metrics and check they parse.

metrics_parse.py URL...  -> prints one JSON object per URL (one per line):
{"url": ..., "samples": {"name{labels}": value}, "types": {family: type}}
Exits 1 naming the offending line when the text breaks the format: a sample
without a preceding # TYPE, a bad label block or value, histogram buckets not
cumulative or without le="+Inf" equal to _count.
"""
import json, re, sys, urllib.request

LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)')
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')

def parse_labels(text, line):
    out, pos = [], 0
    while pos < len(text):
        m = LABEL.match(text, pos)
        if not m:
            raise ValueError(f"bad labels: {line!r}")
        out.append((m.group(1), m.group(2)))
        pos = m.end()
    return out

def parse(body):
    types, samples = {}, {}
    for line in body.splitlines():
        if not line:
            continue
        if line.startswith("# HELP "):
            continue
        if line.startswith("# TYPE "):
            _, _, name, typ = line.split(" ", 3)
            if typ not in ("counter", "gauge", "histogram", "summary", "untyped"):
                raise ValueError(f"bad type: {line!r}")
            types[name] = typ
            continue
        if line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        if not m:
            raise ValueError(f"bad sample: {line!r}")
        name, labels, value = m.group(1), m.group(3) or "", m.group(4)
        fam = re.sub(r'_(bucket|sum|count)$', '', name)
        if name not in types and fam not in types:
            raise ValueError(f"sample before its # TYPE: {line!r}")
        parse_labels(labels, line)
        samples[name + "{" + labels + "}"] = float(value)
    # Histogram buckets: cumulative, ending in +Inf == _count.
    for fam, typ in types.items():
        if typ != "histogram":
            continue
        series = {}
        for k, v in samples.items():
            if k.startswith(fam + "_bucket{"):
                labels = k[len(fam) + 8:-1]
                rest = re.sub(r',?le="[^"]*"', '', labels)
                le = re.search(r'le="([^"]*)"', labels).group(1)
                series.setdefault(rest, []).append((float(le), v))
        for rest, buckets in series.items():
            counts = [c for _, c in buckets]
            if counts != sorted(counts) or buckets[-1][0] != float("inf"):
                raise ValueError(f"{fam}{{{rest}}}: buckets not cumulative or no +Inf")
            if samples.get(f"{fam}_count{{{rest}}}") != counts[-1]:
                raise ValueError(f"{fam}{{{rest}}}: +Inf bucket != _count")
    return types, samples

for url in sys.argv[1:]:
    with urllib.request.urlopen(url, timeout=10) as r:
        ctype = r.headers.get("Content-Type", "")
        body = r.read().decode()
    if not ctype.startswith("text/plain"):
        sys.exit(f"{url}: content type {ctype!r}")
    try:
        types, samples = parse(body)
    except ValueError as e:
        sys.exit(f"{url}: {e}")
    print(json.dumps({"url": url, "types": types, "samples": samples}))
