// The bot-bottle dashboard's only script. Every text that reaches the page goes in as a text node
// (never innerHTML): the server has already made agent text visible (controls escaped, bidi and
// invisible characters named as <U+XXXX>), and this marks those escapes so they stand out.
"use strict";

const csrf = document.querySelector('meta[name="csrf-token"]').content;
const page = document.body.dataset.page;
const main = document.getElementById("main");
const live = document.getElementById("live");
live.textContent = "";

function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value !== null && value !== undefined && value !== false) node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// Text an agent wrote: escapes the server made visible (\x1b, <U+202E>) are marked, the rest is plain text.
function agentText(text) {
  const fragment = document.createDocumentFragment();
  const escape = /\\x[0-9a-f]{2}|<U\+[0-9A-F]{4,6}>/g;
  let last = 0;
  for (const match of text.matchAll(escape)) {
    fragment.append(document.createTextNode(text.slice(last, match.index)));
    fragment.append(el("mark", { class: "escape", title: "a character shown by its code: it would be invisible or unsafe as it is" }, match[0]));
    last = match.index + match[0].length;
  }
  fragment.append(document.createTextNode(text.slice(last)));
  return fragment;
}

function agentBlock(label, text) {
  return el("figure", { class: "agent" }, el("figcaption", {}, label, el("span", { class: "who" }, " written by the agent")), el("pre", {}, agentText(text)));
}

function age(since) {
  const seconds = Math.max(0, Math.round((Date.now() - new Date(since).getTime()) / 1000));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, "0")}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, "0")}m`;
}

function time(at) {
  return at ? new Date(at).toLocaleString() : "";
}

async function api(path, options) {
  const response = await fetch(path, { credentials: "same-origin", ...options });
  const body = response.headers.get("content-type")?.startsWith("application/json") ? await response.json() : { message: await response.text() };
  if (!response.ok) throw Object.assign(new Error(body.message ?? `HTTP ${response.status}`), { status: response.status });
  return body;
}

// The queue's changes, from the server's change watcher; onChange gets each one.
function watch(onReset, onChange) {
  const events = new EventSource("/events");
  events.addEventListener("reset", () => {
    live.textContent = "live";
    live.className = "live on";
    onReset();
  });
  events.onmessage = (message) => onChange(JSON.parse(message.data));
  events.addEventListener("failure", (message) => {
    live.textContent = `the database is unavailable: ${JSON.parse(message.data).message}`;
    live.className = "live off";
  });
  events.onerror = () => {
    live.textContent = "reconnecting…";
    live.className = "live off";
  };
}

function queuePage() {
  const rows = el("tbody");
  const empty = el("p", { class: "empty" }, "Nothing is waiting for you.");
  main.append(el("h1", {}, "Pending proposals"), el("table", { class: "queue" },
    el("thead", {}, el("tr", {}, el("th", {}, "Bottle"), el("th", {}, "Tool"), el("th", {}, "Waiting"), el("th", {}, "Proposal"))), rows), empty);
  const refresh = () => {
    for (const row of rows.rows) row.cells[2].textContent = age(row.dataset.at);
    empty.hidden = rows.rows.length > 0;
  };
  watch(() => { rows.replaceChildren(); refresh(); }, (change) => {
    const existing = rows.querySelector(`tr[data-id="${CSS.escape(change.id)}"]`);
    if (change.event === "pending" || change.event === "proposed" || change.event === "unreadable") {
      if (existing) return;
      const row = el("tr", { "data-id": change.id, "data-at": change.at, class: change.event === "proposed" ? "new" : null },
        el("td", {}, change.slug), el("td", {}, change.tool), el("td", {}, age(change.at)),
        el("td", {}, change.event === "unreadable" ? el("span", { class: "bad" }, "unreadable: ", change.reason ?? "") : el("a", { href: `/proposal/${encodeURIComponent(change.id)}` }, change.id)));
      rows.append(row);
    } else if (existing) {
      existing.remove();
    }
    refresh();
  });
  // Ages tick in the page; the server is not asked.
  setInterval(refresh, 5000);
}

function bottlesPage() {
  const rows = el("tbody");
  main.append(el("h1", {}, "Bottles"), el("table", {},
    el("thead", {}, el("tr", {}, ["Bottle", "State", "Backend", "Last seen", "Pending", "Oldest pending"].map((h) => el("th", {}, h)))), rows));
  let pending = null;
  const load = async () => {
    const { bottles } = await api("/api/bottles");
    rows.replaceChildren(...bottles.map((b) => el("tr", { "data-slug": b.slug },
      el("td", {}, b.slug), el("td", { class: `state ${b.state}` }, b.state), el("td", {}, b.backend),
      el("td", {}, b.last_seen ? `${age(b.last_seen)} ago` : ""), el("td", {}, b.pending),
      el("td", {}, b.oldest_pending_at ? `${age(b.oldest_pending_at)} ago` : ""))));
  };
  // A change to the queue changes the counts: one request per burst of changes, none while idle.
  watch(load, () => { clearTimeout(pending); pending = setTimeout(load, 200); });
}

async function proposalPage() {
  const id = document.body.dataset.id;
  const view = el("div");
  main.append(view);
  let status = null;
  const render = async (notice) => {
    const p = await api(`/api/proposal/${encodeURIComponent(id)}`);
    status = p.status;
    const facts = el("table", { class: "facts" }, [
      ["Proposal", p.id], ["Bottle", p.bottle], ["Tool", p.tool], ["Arrived", time(p.arrived)],
      ["Status", p.status], ["Seen by an operator", p.seen_at ? `first at ${time(p.seen_at)}` : "not before this page"],
    ].map(([k, v]) => el("tr", {}, el("th", {}, k), el("td", { "data-fact": k }, v))));
    const diff = el("pre", { class: "diff" }, p.diff === "" ? "The proposed file equals the current one." : p.diff.split("\n").map((line) =>
      el("span", { class: line.startsWith("+") ? "add" : line.startsWith("-") ? "del" : line.startsWith("@") ? "hunk" : "ctx" }, agentText(line), "\n")));
    const parts = [el("h1", {}, "Proposal"), notice ? el("p", { class: "notice", role: "status" }, notice) : null, facts,
      agentBlock("Justification", p.justification), el("h2", {}, "Current → proposed"), diff];
    if (p.notes !== null) parts.push(el("h2", {}, "Your notes"), el("pre", { class: "notes" }, p.notes));
    if (p.final_file_visible !== null) parts.push(el("h2", {}, "The file you applied"), el("pre", {}, agentText(p.final_file_visible)));
    if (p.status === "pending") parts.push(decisionForm(p, render, (deciding) => { status = deciding ? "deciding" : "pending"; }));
    view.replaceChildren(...parts.filter((part) => part !== null));
  };
  await render();
  // Answered or withdrawn elsewhere (another operator, the terminal, the agent giving up) while this
  // page is open: the form goes, so nobody answers twice. Only this proposal's change is fetched; a
  // reconnection fetches once in case a change was missed meanwhile.
  let connected = false;
  watch(async () => {
    if (connected && status === "pending") {
      const now = (await api(`/api/proposal/${encodeURIComponent(id)}`)).status;
      if (now !== "pending") await render(`Answered elsewhere while this page was away: ${now}.`);
    }
    connected = true;
  }, async (change) => {
    if (change.id !== id || status !== "pending" || change.event === "pending" || change.event === "proposed") return;
    await render(change.event === "answered" ? `Answered elsewhere: ${change.status}.` : `No longer pending: ${change.event}.`);
  });
}

// `deciding` tells the page its own answer is on the way, so the change it causes is not "elsewhere".
function decisionForm(p, render, deciding) {
  const file = el("textarea", { name: "final_file", rows: 12, spellcheck: "false" });
  file.value = p.proposed_file;
  const notes = el("textarea", { name: "notes", rows: 3, placeholder: "Notes for the agent (required to reject)" });
  const error = el("p", { class: "error", role: "alert" });
  const send = async (action) => {
    error.textContent = "";
    deciding(true);
    try {
      const decided = await api(`/api/proposal/${encodeURIComponent(p.id)}/decision`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-csrf-token": csrf },
        body: JSON.stringify({ action, notes: notes.value, final_file: action === "modify" ? file.value : null }),
      });
      await render(`${decided.status} (audit entry ${decided.audit_id})`);
    } catch (failure) {
      deciding(false);
      // Answered by someone else first (its change may not have reached this page yet): show what stands.
      if (failure.status === 409) await render(`Not answered here: ${failure.message}`);
      else error.textContent = failure.message;
    }
  };
  const button = (action, label) => el("button", { type: "button", "data-action": action }, label);
  const form = el("form", { class: "decide" }, el("h2", {}, "Your decision"),
    el("label", {}, "The file that will apply if you modify it", file), el("label", {}, "Notes", notes), error,
    el("div", { class: "buttons" }, button("approve", "Approve as proposed"), button("modify", "Approve my version"), button("reject", "Reject")));
  form.addEventListener("click", (event) => {
    const action = event.target.closest("button")?.dataset.action;
    if (action) send(action);
  });
  form.addEventListener("submit", (event) => event.preventDefault());
  return form;
}

function auditPage() {
  const params = new URLSearchParams(location.search);
  const bottle = el("input", { name: "bottle", value: params.get("bottle") ?? "", placeholder: "bottle" });
  const tool = el("input", { name: "tool", value: params.get("tool") ?? "", placeholder: "tool" });
  const chain = el("p", { class: "chain" });
  const rows = el("tbody");
  const filters = el("form", { class: "filters", method: "get", action: "/audit" }, bottle, tool, el("button", { type: "submit" }, "Filter"),
    el("button", { type: "button", "data-action": "verify" }, "Verify the chain"));
  main.append(el("h1", {}, "Audit log"), filters, chain, el("table", { class: "audit" },
    el("thead", {}, el("tr", {}, ["#", "When", "Bottle", "Tool", "Action", "Notes", "Justification", "Diff"].map((h) => el("th", {}, h)))), rows));
  const load = async (verify) => {
    const query = new URLSearchParams({ bottle: bottle.value, tool: tool.value, verify: verify ? "1" : "0" });
    const audit = await api(`/api/audit?${query}`);
    rows.replaceChildren(...audit.entries.map((e) => el("tr", { "data-audit-id": e.id },
      el("td", {}, e.id), el("td", {}, time(e.timestamp)), el("td", {}, e.bottle_slug), el("td", {}, e.component),
      el("td", { class: `action ${e.operator_action}` }, e.operator_action), el("td", {}, el("pre", {}, e.operator_notes)),
      el("td", {}, agentBlock("Justification", e.justification)), el("td", {}, el("pre", { class: "diff small" }, e.diff)))));
    if (audit.chain) {
      chain.textContent = audit.chain.ok ? `The chain holds: ${audit.chain.checked} entries checked.` : `The chain is broken at entry ${audit.chain.first_broken_id}: ${audit.chain.problem}`;
      chain.className = audit.chain.ok ? "chain ok" : "chain bad";
    }
  };
  filters.addEventListener("click", (event) => {
    if (event.target.dataset?.action === "verify") load(true);
  });
  load(false);
  // Decisions and withdrawals write audit entries; each burst of them reloads the list once (a
  // verification shown before it no longer covers every entry, so it is cleared). A stream starts
  // with the open proposals, answered ones included: only an answer to a proposal this stream saw
  // pending is new. A reconnection reloads once, in case an entry was written meanwhile.
  let connected = false;
  let open = new Set();
  let reload = null;
  watch(() => {
    open = new Set();
    if (connected) load(false);
    connected = true;
  }, (change) => {
    if (change.event === "pending" || change.event === "proposed") {
      open.add(change.id);
      return;
    }
    const wasOpen = open.delete(change.id);
    if (change.event === "withdrawn" || (change.event === "answered" && wasOpen)) {
      clearTimeout(reload);
      reload = setTimeout(() => { chain.textContent = ""; chain.className = "chain"; load(false); }, 200);
    }
  });
}

const pages = { queue: queuePage, bottles: bottlesPage, proposal: proposalPage, audit: auditPage };
Promise.resolve(pages[page]?.()).catch((failure) => main.append(el("p", { class: "error", role: "alert" }, failure.message)));
