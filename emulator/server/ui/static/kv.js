// The KV view: namespaces, keys paged with the REST API's cursors and filtered by prefix,
// one key's value, metadata and expiration, and put / delete through the REST API v4.
import { ApiError, KV, UI, call, segment } from "./api.js";
import { bindingsText, fill, fillList, formatBytes, formatInstant, formatLeft, h, show, visible } from "./dom.js";

const $ = (id) => document.getElementById(id);
const KIND_LABELS = { json: "JSON", text: "text", binary: "binary", empty: "empty" };

export class KvView {
  constructor(now) {
    this.now = now;
    this.namespaces = [];
    this.namespace = null;
    this.prefix = "";
    this.limit = 50;
    this.cursors = [""];
    this.page = 0;
    this.next = "";
    this.keys = [];
    this.selected = null;
    this.entry = null;
    this.armedFor = null;
    this.seq = 0;
    this.entrySeq = 0;
    $("kv-filter").addEventListener("submit", (event) => {
      event.preventDefault();
      this.prefix = $("kv-prefix").value;
      this.limit = Number($("kv-limit").value);
      this.goTo(0, [""]);
    });
    $("kv-limit").addEventListener("change", () => $("kv-filter").requestSubmit());
    $("kv-first").addEventListener("click", () => this.goTo(0));
    $("kv-prev").addEventListener("click", () => this.goTo(this.page - 1));
    $("kv-next").addEventListener("click", () => {
      this.cursors[this.page + 1] = this.next;
      this.goTo(this.page + 1);
    });
    $("kv-new").addEventListener("click", () => this.openPut(null));
    $("kv-edit").addEventListener("click", () => this.openPut(this.entry));
    $("kv-delete").addEventListener("click", () => this.delete());
    $("kv-put").addEventListener("submit", (event) => {
      event.preventDefault();
      this.put();
    });
    $("kv-put-cancel").addEventListener("click", () => this.closePut());
    $("kv-put-expiry").addEventListener("change", () => {
      show($("kv-put-expiry-value"), $("kv-put-expiry").value !== "none");
    });
  }

  /** Forget everything shown (the token was refused or forgotten). */
  clear() {
    this.namespaces = [];
    this.namespace = null;
    this.keys = [];
    this.next = "";
    this.selected = null;
    this.entry = null;
    this.seq += 1; // answers still on their way are dropped
    this.entrySeq += 1;
    this.renderNamespaces();
    this.render();
    $("kv-put").reset();
    show($("kv-put"), false);
    this.renderEntry();
  }

  async setNamespaces(namespaces) {
    this.namespaces = namespaces;
    if (!namespaces.some((ns) => ns.id === this.namespace)) {
      this.namespace = namespaces.length ? namespaces[0].id : null;
      this.cursors = [""];
      this.page = 0;
      this.selected = null;
    }
    this.renderNamespaces();
    await this.refresh();
  }

  renderNamespaces() {
    const items = this.namespaces.map((ns) => ({
      key: ns.id,
      title: ns.title,
      sub: bindingsText(ns.bindings),
      tooltip: `id ${ns.id}`,
    }));
    fillList($("kv-namespaces"), items, {
      active: this.namespace,
      onSelect: (id) => this.selectNamespace(id),
      empty: "No namespaces yet.",
    });
    const current = this.namespaces.find((ns) => ns.id === this.namespace);
    fill($("kv-title"), current ? visible(current.title) : "No namespace");
  }

  selectNamespace(id) {
    this.namespace = id;
    this.selected = null;
    this.entry = null;
    this.entrySeq += 1;
    this.closePut();
    this.renderNamespaces();
    this.goTo(0, [""]);
  }

  goTo(page, cursors) {
    if (cursors) this.cursors = cursors;
    this.page = Math.max(0, page);
    return this.refresh();
  }

  async refresh() {
    const seq = ++this.seq;
    if (!this.namespace) {
      this.keys = [];
      this.next = "";
      this.render();
      return;
    }
    let payload;
    try {
      payload = await call("GET", `${KV}/${segment(this.namespace)}/keys`, {
        query: { prefix: this.prefix, limit: this.limit, cursor: this.cursors[this.page] },
      });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (seq !== this.seq) return;
      this.keys = [];
      this.next = "";
      this.render(error.message);
      return;
    }
    if (seq !== this.seq) return; // a newer refresh is under way
    this.keys = payload.result;
    this.next = payload.result_info.cursor;
    this.render();
    if (this.selected !== null) await this.loadEntry(this.selected);
  }

  render(error) {
    const now = this.now();
    const rows = this.keys.map((key) => {
      const expires = key.expiration ? formatInstant(key.expiration) : "never";
      const left = key.expiration ? formatLeft(key.expiration - now) : "–";
      const metadata = key.metadata === undefined ? "" : JSON.stringify(key.metadata);
      return h(
        "tr",
        { class: key.name === this.selected ? "selected" : undefined },
        h(
          "td",
          {},
          h(
            "button",
            { type: "button", class: "link key-link", onclick: () => this.select(key.name) },
            visible(key.name),
          ),
        ),
        h("td", { class: "nowrap" }, expires),
        h("td", { class: "nowrap left", dataset: { expiration: key.expiration ?? "" } }, left),
        h("td", { class: "metadata", title: metadata }, visible(truncate(metadata, 80))),
      );
    });
    fill($("kv-keys").tBodies[0], rows);
    let empty = "";
    if (error) empty = error;
    else if (!this.namespace) empty = "Create a namespace (REST API, SDK or emu.kv(name)) to see it here.";
    else if (!rows.length) empty = this.prefix ? "No key starts with this prefix." : "No keys.";
    fill($("kv-empty"), empty);
    show($("kv-empty"), Boolean(empty));
    $("kv-prev").disabled = this.page === 0;
    $("kv-first").disabled = this.page === 0;
    $("kv-next").disabled = !this.next;
    const start = this.page * this.limit;
    fill(
      $("kv-page"),
      rows.length ? `Page ${this.page + 1} · keys ${start + 1}–${start + rows.length}` : `Page ${this.page + 1}`,
    );
  }

  /** Once a second: count down, and list again when a shown key has just expired. */
  async tick() {
    const now = this.now();
    for (const cell of document.querySelectorAll("#kv-keys td.left")) {
      const expiration = Number(cell.dataset.expiration);
      if (expiration) fill(cell, formatLeft(expiration - now));
    }
    this.renderLeft();
    const expired = this.keys.some((key) => key.expiration && key.expiration <= now);
    const entryGone = this.entry?.expiration && this.entry.expiration <= now;
    if (expired || entryGone) await this.refresh();
  }

  select(name) {
    this.selected = name;
    this.closePut();
    for (const row of $("kv-keys").tBodies[0].rows) row.classList.remove("selected");
    const index = this.keys.findIndex((key) => key.name === name);
    if (index >= 0) $("kv-keys").tBodies[0].rows[index].classList.add("selected");
    return this.loadEntry(name);
  }

  async loadEntry(name) {
    const seq = ++this.entrySeq;
    let entry = null;
    let missing = "";
    try {
      ({ result: entry } = await call("GET", `${UI}/kv/${segment(this.namespace)}/entry/${segment(name)}`));
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      missing = error.status === 404 ? `“${name}” is gone: it was deleted or it expired.` : error.message;
    }
    if (seq !== this.entrySeq) return;
    this.entry = entry;
    this.renderEntry(missing);
  }

  renderEntry(missing = "") {
    const entry = this.entry;
    const editing = !$("kv-put").hidden; // a refresh must not cover the put form
    show($("kv-entry"), Boolean(entry) && !editing);
    show($("kv-entry-empty"), !entry && !editing);
    fill($("kv-entry-empty"), missing ? visible(missing) : "Select a key to see its value.");
    // A refresh of the same key keeps "Confirm delete" armed; another key disarms it.
    if (entry?.name !== this.armedFor) this.disarm();
    if (!entry) {
      for (const id of ["kv-entry-name", "kv-entry-value", "kv-entry-metadata", "kv-entry-expires", "kv-entry-left"]) {
        fill($(id));
      }
      return;
    }
    fill($("kv-entry-name"), visible(entry.name));
    const value = entry.value;
    fill($("kv-entry-kind"), KIND_LABELS[value.kind]);
    $("kv-entry-kind").dataset.kind = value.kind;
    fill($("kv-entry-size"), formatBytes(value.size));
    fill($("kv-entry-value"), visible(value.text, { multiline: true }));
    $("kv-entry-value").dataset.kind = value.kind;
    let note = "";
    if (value.truncated) {
      note =
        value.kind === "binary"
          ? "Showing the first 512 bytes."
          : "The value is long: only its beginning is shown.";
    }
    fill($("kv-entry-truncated"), note);
    show($("kv-entry-truncated"), Boolean(note));
    fill($("kv-entry-metadata"), entry.metadata === null ? "none" : visible(entry.metadata, { multiline: true }));
    $("kv-entry-metadata").classList.toggle("muted", entry.metadata === null);
    fill($("kv-entry-expires"), entry.expiration ? `${formatInstant(entry.expiration)} (${entry.expiration})` : "never");
    this.renderLeft();
  }

  renderLeft() {
    const entry = this.entry;
    if (!entry) return;
    fill($("kv-entry-left"), entry.expiration ? formatLeft(entry.expiration - this.now()) : "–");
  }

  disarm() {
    this.armedFor = null;
    $("kv-delete").textContent = "Delete";
    delete $("kv-delete").dataset.armed;
  }

  async delete() {
    const name = this.entry.name;
    if (this.armedFor !== name) {
      // Two clicks: the first arms the button, the second deletes.
      this.armedFor = name;
      $("kv-delete").dataset.armed = "1";
      $("kv-delete").textContent = "Confirm delete";
      return;
    }
    this.disarm();
    try {
      await call("DELETE", `${KV}/${segment(this.namespace)}/values/${segment(name)}`);
    } catch (error) {
      fill($("kv-entry-truncated"), error.message);
      show($("kv-entry-truncated"));
      return;
    }
    this.selected = null;
    this.entry = null;
    this.renderEntry();
    await this.refresh();
  }

  openPut(entry) {
    $("kv-put").reset();
    $("kv-put-key").value = entry ? entry.name : "";
    const editable = entry && entry.value.kind !== "binary" && !entry.value.truncated;
    $("kv-put-value").value = editable ? entry.value.text : "";
    show($("kv-put-note"), Boolean(entry) && !editable);
    $("kv-put-metadata").value = entry?.metadata ?? "";
    $("kv-put-expiry").value = entry?.expiration ? "expiration" : "none";
    $("kv-put-expiry-value").value = entry?.expiration ? String(entry.expiration) : "";
    show($("kv-put-expiry-value"), Boolean(entry?.expiration));
    show($("kv-put-error"), false);
    show($("kv-entry"), false);
    show($("kv-entry-empty"), false);
    show($("kv-put"));
    $("kv-put-key").focus();
  }

  closePut() {
    show($("kv-put"), false);
    this.renderEntry();
  }

  async put() {
    const name = $("kv-put-key").value;
    const mode = $("kv-put-expiry").value;
    const when = $("kv-put-expiry-value").value.trim();
    if (mode !== "none" && !when) {
      fill($("kv-put-error"), "Enter the expiration, or choose Never.");
      show($("kv-put-error"));
      return;
    }
    const form = new FormData();
    const [file] = $("kv-put-file").files;
    form.append("value", file ?? new Blob([$("kv-put-value").value], { type: "text/plain" }));
    const metadata = $("kv-put-metadata").value.trim();
    if (metadata) form.append("metadata", metadata);
    const query = mode === "none" ? {} : { [mode]: when };
    try {
      await call("PUT", `${KV}/${segment(this.namespace)}/values/${segment(name)}`, { body: form, query });
    } catch (error) {
      fill($("kv-put-error"), visible(error.message));
      show($("kv-put-error"));
      return;
    }
    show($("kv-put"), false);
    this.selected = name;
    await this.refresh();
    if (!this.keys.some((key) => key.name === name)) await this.loadEntry(name);
  }
}

function truncate(text, length) {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}
