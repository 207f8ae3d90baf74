// Renders the status view (status.json's format) into the page's tables,
// first from the copy inlined in the page, then every few seconds from
// /status.json. Text goes in through textContent only, never as HTML.
"use strict";

const REFRESH_MS = 3000;

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

function bytes(n) {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i ? n.toFixed(1) : n) + " " + units[i];
}

function fill(id, rows) {
  const body = document.querySelector("#" + id + " tbody");
  body.replaceChildren(...rows);
}

function kvRows(pairs) {
  return pairs.map(([k, v, cls, key]) => {
    const tr = el("tr");
    tr.appendChild(el("th", k));
    const td = el("td", v, "num" + (cls ? " " + cls : ""));
    if (key) td.dataset.key = key;
    tr.appendChild(td);
    return tr;
  });
}

function capacityCell(b) {
  const td = el("td");
  const bar = el("span", undefined, "bar");
  const fillBar = el("span");
  const pct = b.capacity_bytes ? Math.min(100, 100 * b.used_bytes / b.capacity_bytes) : 0;
  fillBar.style.width = pct.toFixed(1) + "%";
  bar.appendChild(fillBar);
  td.appendChild(bar);
  td.appendChild(document.createTextNode(bytes(b.used_bytes) + " / " + bytes(b.capacity_bytes)));
  return td;
}

function render(s) {
  document.getElementById("self").textContent = "metad " + s.self;
  const auth = document.getElementById("authority");
  auth.replaceChildren();
  if (s.serving_leader) {
    auth.textContent = "leader (authoritative)";
  } else if (s.leader_page) {
    auth.appendChild(document.createTextNode("follower view; leader: "));
    const a = el("a", s.leader);
    a.href = s.leader_page;
    a.id = "leader-link";
    auth.appendChild(a);
  } else {
    auth.textContent = "no leader known";
  }
  document.getElementById("updated").textContent = "updated " + new Date().toLocaleTimeString();

  const r = s.replication;
  const live = s.blockds.filter(b => b.state === "live").length;
  const dead = s.blockds.filter(b => b.state === "dead").length;
  fill("summary", kvRows([
    ["files (inodes)", s.files, "", "files"],
    ["blocks", s.blocks, "", "blocks"],
    ["blockds live", live, "", "blockds_live"],
    ["blockds dead", dead, dead ? "bad" : "", "blockds_dead"],
    ["under-replicated blocks", r.under_replicated, r.under_replicated ? "bad" : "", "under_replicated"],
    ["missing blocks", r.missing, r.missing ? "bad" : "", "missing"],
    ["blocks with a corrupt replica", r.corrupt, r.corrupt ? "bad" : "", "corrupt"],
  ]));

  fill("metads", s.metads.map(m => {
    const tr = el("tr");
    tr.dataset.address = m.address;
    tr.appendChild(el("td", m.address + (m.self ? " (this)" : "")));
    tr.appendChild(el("td", m.is_leader ? "leader" : m.role, "role-" + (m.is_leader ? "leader" : m.role)));
    tr.appendChild(el("td", m.ballot));
    tr.appendChild(el("td", m.committed_index, "num"));
    tr.appendChild(el("td", m.applied_index, "num"));
    return tr;
  }));

  fill("blockds", s.blockds.map(b => {
    const tr = el("tr");
    tr.dataset.address = b.address;
    tr.dataset.state = b.state;
    tr.appendChild(el("td", b.address));
    tr.appendChild(el("td", b.rack));
    let state = b.state;
    if (b.state === "decommissioning") state += b.drained ? " (drained)" : " (draining)";
    tr.appendChild(el("td", state, "state-" + b.state));
    tr.appendChild(capacityCell(b));
    tr.appendChild(el("td", b.blocks, "num"));
    tr.appendChild(el("td", (b.last_heartbeat_age_ms / 1000).toFixed(1) + " s ago", "num"));
    return tr;
  }));

  fill("replication", kvRows([
    ["pending copies", r.pending_copies],
    ["pending deletions", r.pending_deletions],
    ["copies completed", r.copies_completed],
    ["waiting for block reports", r.waiting_for_reports ? "yes" : "no"],
  ]));
  const problemRow = m => {
    const tr = el("tr");
    tr.dataset.path = m.path;
    tr.appendChild(el("td", m.block, "num"));
    tr.appendChild(el("td", m.path || "?"));
    tr.appendChild(el("td", m.inode || "-", "num"));
    tr.appendChild(el("td", m.index, "num"));
    return tr;
  };
  fill("missing", s.missing_blocks.map(problemRow));
  fill("corrupt", (s.corrupt_blocks || []).map(problemRow));
  fill("under-replicated", (s.under_replicated_blocks || []).map(problemRow));
  document.getElementById("errors").replaceChildren(...s.recent_errors.map(l => el("li", l)));
}

async function refresh() {
  try {
    const resp = await fetch("status.json", {cache: "no-store"});
    if (resp.ok) render(await resp.json());
  } catch (e) {
    document.getElementById("updated").textContent = "refresh failed: " + e;
  }
}

const initial = JSON.parse(document.getElementById("initial-status").textContent);
if (initial) render(initial);
setInterval(refresh, REFRESH_MS);
