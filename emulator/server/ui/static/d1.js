// The D1 view: databases, tables with their schema and rows (paged), the migrations
// applied, and a SQL console that shows rows and meta, or D1's exact error text.
import { ApiError, UI, call, segment } from "./api.js";
import { bindingsText, fill, fillList, h, show, visible } from "./dom.js";

const $ = (id) => document.getElementById(id);
const ROWS_PER_PAGE = 50;

/** A grid of D1 cells ({type, text, truncated?}) under the given column names. */
function renderGrid(table, columns, rows) {
  fill(table.tHead, h("tr", {}, columns.map((name) => h("th", {}, visible(name)))));
  fill(
    table.tBodies[0],
    rows.map((row) =>
      h(
        "tr",
        {},
        row.map((cell) =>
          h(
            "td",
            { class: `cell-${cell.type}`, title: cell.truncated ? `${cell.length} characters` : undefined },
            visible(cell.text),
            cell.truncated ? h("span", { class: "more" }, "…") : null,
          ),
        ),
      ),
    ),
  );
}

function newGrid(className) {
  return h("table", { class: `grid ${className}` }, h("thead"), h("tbody"));
}

export class D1View {
  constructor() {
    this.databases = [];
    this.database = null;
    this.tables = [];
    this.table = null;
    this.pane = "table";
    this.cursors = [""];
    this.page = 0;
    this.next = null;
    this.seq = 0;
    for (const button of document.querySelectorAll("[data-pane]")) {
      button.addEventListener("click", () => this.showPane(button.dataset.pane));
      button.classList.toggle("active", button.dataset.pane === this.pane);
    }
    $("d1-first").addEventListener("click", () => this.goTo(0));
    $("d1-prev").addEventListener("click", () => this.goTo(this.page - 1));
    $("d1-next").addEventListener("click", () => {
      this.cursors[this.page + 1] = this.next;
      this.goTo(this.page + 1);
    });
    $("console-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.runConsole();
    });
    $("console-sql").addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        this.runConsole();
      }
    });
  }

  /** Forget everything shown (the token was refused or forgotten). */
  clear() {
    this.databases = [];
    this.database = null;
    this.tables = [];
    this.table = null;
    this.seq += 1; // answers still on their way are dropped
    this.renderDatabases();
    this.renderTables();
    this.renderPanes();
    for (const id of ["d1-table-name", "d1-table-sql", "d1-page", "console-output", "migrations-output"]) {
      fill($(id));
    }
    for (const id of ["d1-rows", "d1-schema"]) {
      fill($(id).tBodies[0]);
    }
    fill($("d1-rows").tHead);
  }

  async setDatabases(databases) {
    this.databases = databases;
    if (!databases.some((db) => db.id === this.database)) {
      this.database = databases.length ? databases[0].id : null;
      this.table = null;
      fill($("console-output"));
    }
    this.renderDatabases();
    await this.refresh();
  }

  renderDatabases() {
    const items = this.databases.map((db) => ({
      key: db.id,
      title: db.name,
      sub: bindingsText(db.bindings),
      tooltip: `id ${db.id}`,
    }));
    fillList($("d1-databases"), items, {
      active: this.database,
      onSelect: (id) => this.selectDatabase(id),
      empty: "No databases yet.",
    });
    const current = this.databases.find((db) => db.id === this.database);
    fill($("d1-title"), current ? visible(current.name) : "No database");
  }

  selectDatabase(id) {
    this.database = id;
    this.table = null;
    fill($("console-output"));
    this.renderDatabases();
    this.refresh();
  }

  showPane(pane) {
    this.pane = pane;
    for (const button of document.querySelectorAll("[data-pane]")) {
      button.classList.toggle("active", button.dataset.pane === pane);
    }
    this.renderPanes();
    if (pane === "migrations") this.loadMigrations();
    if (pane === "table" && this.table !== null) this.loadRows();
  }

  renderPanes() {
    const hasDb = this.database !== null;
    show($("d1-table"), hasDb && this.pane === "table" && this.table !== null);
    show($("d1-console"), hasDb && this.pane === "console");
    show($("d1-migrations"), hasDb && this.pane === "migrations");
    let empty = "";
    if (!hasDb) empty = "Create a database (REST API, SDK or emu.d1(name)) to see it here.";
    else if (this.pane === "table" && this.table === null) {
      empty = this.tables.length ? "Select a table." : "No tables yet: create one in the SQL console.";
    }
    fill($("d1-empty"), empty);
    show($("d1-empty"), Boolean(empty));
  }

  async refresh() {
    const seq = ++this.seq;
    if (this.database === null) {
      this.tables = [];
      this.renderTables();
      this.renderPanes();
      return;
    }
    const { result } = await call("GET", `${UI}/d1/${segment(this.database)}/tables`);
    if (seq !== this.seq) return;
    this.tables = result.tables;
    if (this.table !== null && !this.tables.some((t) => t.name === this.table)) this.table = null;
    if (this.table === null && this.tables.length) {
      this.table = this.tables[0].name;
      this.cursors = [""];
      this.page = 0;
    }
    this.renderTables();
    this.renderPanes();
    if (this.pane === "table" && this.table !== null) await this.loadRows();
    if (this.pane === "migrations") await this.loadMigrations();
  }

  renderTables() {
    const items = this.tables.map((table) => ({
      key: table.name,
      title: table.name,
      sub: `${table.type} · ${table.columns.length} columns`,
    }));
    fillList($("d1-tables"), items, {
      active: this.table,
      onSelect: (name) => this.selectTable(name),
      empty: this.database ? "No tables." : "",
    });
  }

  selectTable(name) {
    this.table = name;
    this.cursors = [""];
    this.page = 0;
    this.renderTables();
    this.showPane("table");
  }

  goTo(page) {
    this.page = Math.max(0, page);
    return this.loadRows();
  }

  async loadRows() {
    const table = this.tables.find((t) => t.name === this.table);
    if (!table) return;
    fill($("d1-table-name"), visible(table.name), h("span", { class: "badge" }, table.type));
    fill(
      $("d1-schema").tBodies[0],
      table.columns.map((column) =>
        h(
          "tr",
          {},
          h("td", {}, visible(column.name)),
          h("td", { class: "mono" }, visible(column.type || "(none)")),
          h("td", {}, column.notnull ? "yes" : ""),
          h("td", { class: "mono" }, column.default === null ? "" : visible(column.default)),
          h("td", {}, column.pk ? String(column.pk) : ""),
        ),
      ),
    );
    fill($("d1-table-sql"), visible(table.sql ?? "", { multiline: true }));
    const seq = ++this.seq;
    let result;
    try {
      ({ result } = await call("GET", `${UI}/d1/${segment(this.database)}/tables/${segment(table.name)}/rows`, {
        query: { cursor: this.cursors[this.page], limit: ROWS_PER_PAGE },
      }));
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (seq !== this.seq) return;
      fill($("d1-rows").tBodies[0]);
      fill($("d1-rows-empty"), error.message);
      show($("d1-rows-empty"));
      return;
    }
    if (seq !== this.seq) return;
    this.next = result.next_cursor;
    renderGrid($("d1-rows"), result.columns, result.rows);
    show($("d1-rows-empty"), !result.rows.length);
    fill($("d1-rows-empty"), "No rows on this page.");
    $("d1-first").disabled = this.page === 0;
    $("d1-prev").disabled = this.page === 0;
    $("d1-next").disabled = !this.next;
    const start = this.page * ROWS_PER_PAGE;
    const range = result.rows.length ? ` · rows ${start + 1}–${start + result.rows.length}` : "";
    fill($("d1-page"), `Page ${this.page + 1}${range} · ${result.rows_read} rows read`);
  }

  async loadMigrations() {
    if (this.database === null) return;
    const { result } = await call("GET", `${UI}/d1/${segment(this.database)}/migrations`);
    const output = $("migrations-output");
    if (!result.length) {
      fill(output, h("p", { class: "empty" }, "No migrations applied (no d1_migrations table)."));
      return;
    }
    fill(
      output,
      result.map((tracking) => {
        const grid = newGrid("migrations");
        renderGrid(
          grid,
          ["id", "name", "applied_at"],
          tracking.applied.map((m) => [
            { type: "integer", text: String(m.id) },
            { type: "text", text: m.name },
            { type: "text", text: m.applied_at },
          ]),
        );
        const count = tracking.applied.length;
        return h(
          "section",
          { class: "migration-table" },
          h("h3", {}, `${count} migration${count === 1 ? "" : "s"} applied, recorded in `, h("code", {}, visible(tracking.table))),
          grid,
        );
      }),
    );
  }

  async runConsole() {
    const sql = $("console-sql").value;
    const output = $("console-output");
    fill(output, h("p", { class: "note" }, "Running…"));
    try {
      const { result } = await call("POST", `${UI}/d1/${segment(this.database)}/console`, { json: { sql } });
      fill(output, result.map((statement, index) => this.renderResult(statement, index, result.length)));
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      fill(
        output,
        h(
          "div",
          { class: "error-box", role: "alert" },
          h("div", { class: "error-title" }, `Error · HTTP ${error.status} · code ${error.code}`),
          h("pre", { class: "error-text" }, visible(error.message, { multiline: true })),
        ),
      );
    }
  }

  renderResult(statement, index, count) {
    const grid = newGrid("rows");
    renderGrid(grid, statement.columns, statement.rows);
    const shown = statement.rows.length;
    const rowCount = `${statement.row_count.toLocaleString("en")} row${statement.row_count === 1 ? "" : "s"}`;
    const title = `${count > 1 ? `Statement ${index + 1}: ` : ""}${rowCount}`;
    const meta = h(
      "dl",
      { class: "meta" },
      Object.entries(statement.meta).flatMap(([name, value]) => [
        h("dt", {}, name),
        h("dd", {}, typeof value === "number" && !Number.isInteger(value) ? value.toFixed(3) : JSON.stringify(value)),
      ]),
    );
    return h(
      "section",
      { class: "result" },
      h("h3", {}, title, shown < statement.row_count ? ` (first ${shown.toLocaleString("en")} shown)` : ""),
      statement.columns.length ? h("div", { class: "scroll" }, grid) : null,
      h("details", { class: "meta-block", open: true }, h("summary", {}, "meta"), meta),
    );
  }
}
