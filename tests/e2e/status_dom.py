#!/usr/bin/env python3
"""Reads a status page's DOM as Chromium rendered it (--dump-dom) into JSON.

status_dom.py FILE -> {"blockds": {address: state}, "metads": {address: role},
                       "summary": {key: number}, "leader_link": href or null,
                       "authority": text, "missing_paths": [path per missing block],
                       "corrupt_paths": [...], "under_replicated_paths": [...]}
Only the elements status.js fills are read (rows with data-address, summary
cells with data-key), so a page whose script did not run yields empty maps.
"""
import json, sys
from html.parser import HTMLParser


class Dom(HTMLParser):
    def __init__(self):
        super().__init__()
        self.table = None      # id of the table we are in
        self.row = None        # attrs of the current <tr>
        self.cells = []
        self.cell = None
        self.key = None        # data-key of the current summary cell
        self.out = {"blockds": {}, "metads": {}, "summary": {}, "leader_link": None,
                    "authority": "", "missing_paths": [], "corrupt_paths": [],
                    "under_replicated_paths": []}
        self.in_authority = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self.table = a.get("id")
        elif tag == "tr":
            self.row, self.cells = a, []
        elif tag == "td":
            self.cell, self.key = "", a.get("data-key")
        elif tag == "a" and a.get("id") == "leader-link":
            self.out["leader_link"] = a.get("href")
        elif tag == "span" and a.get("id") == "authority":
            self.in_authority = True

    def handle_endtag(self, tag):
        if tag == "td" and self.cell is not None:
            self.cells.append(self.cell.strip())
            if self.table == "summary" and self.key:
                self.out["summary"][self.key] = int(self.cell.strip())
            self.cell = None
        elif tag == "tr" and self.row is not None:
            addr = self.row.get("data-address")
            if addr and self.table == "blockds":
                self.out["blockds"][addr] = self.row.get("data-state")
            lists = {"missing": "missing_paths", "corrupt": "corrupt_paths",
                     "under-replicated": "under_replicated_paths"}
            if self.table in lists and "data-path" in self.row:
                self.out[lists[self.table]].append(self.row["data-path"])
            if addr and self.table == "metads":
                self.out["metads"][addr] = self.cells[1] if len(self.cells) > 1 else ""
            self.row = None
        elif tag == "table":
            self.table = None
        elif tag == "span":
            self.in_authority = False

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data
        if self.in_authority:
            self.out["authority"] += data


d = Dom()
d.feed(open(sys.argv[1], encoding="utf-8").read())
print(json.dumps(d.out))
