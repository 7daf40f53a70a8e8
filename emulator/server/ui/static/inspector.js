// The state inspector: boots the views, asks for the token when the server wants one, and
// polls a cheap pulse (clock + change counter) once a second to stay fresh without a
// reload. Polling rather than server-sent events: EventSource cannot send the token in a
// header, and the token must never travel in a URL.
import { AuthError, UI, call, setToken, token } from "./api.js";
import { ClockBar } from "./clock.js";
import { D1View } from "./d1.js";
import { fill, show } from "./dom.js";
import { KvView } from "./kv.js";

const PULSE_MS = 1000;
const $ = (id) => document.getElementById(id);

class Inspector {
  constructor() {
    this.changes = null;
    this.timer = null;
    this.unlocked = false;
    this.view = location.hash === "#d1" ? "d1" : "kv";
    this.clock = new ClockBar((state) => this.afterClockMove(state));
    this.kv = new KvView(() => this.now());
    this.d1 = new D1View();
    this.clockState = null;
    for (const tab of document.querySelectorAll(".tab")) {
      tab.addEventListener("click", () => this.showView(tab.dataset.view));
    }
    $("token-form").addEventListener("submit", (event) => {
      event.preventDefault();
      setToken($("token-input").value);
      $("token-input").value = "";
      this.start({ retry: true });
    });
    $("forget-token").addEventListener("click", () => {
      setToken(null);
      this.start();
    });
    $("refresh").addEventListener("click", () => this.refresh());
    // A click whose request failed: a refused token locks the page, anything else is said.
    window.addEventListener("unhandledrejection", (event) => {
      event.preventDefault();
      if (event.reason instanceof AuthError) this.lock("The token is no longer accepted.");
      else this.status(`request failed: ${event.reason?.message ?? event.reason}`, "bad");
    });
  }

  now() {
    return this.clockState ? this.clockState.now : Date.now() / 1000;
  }

  showView(view) {
    this.view = view;
    history.replaceState(null, "", `#${view}`);
    for (const tab of document.querySelectorAll(".tab")) {
      tab.classList.toggle("active", tab.dataset.view === view);
      tab.setAttribute("aria-selected", String(tab.dataset.view === view));
    }
    show($("view-kv"), view === "kv");
    show($("view-d1"), view === "d1");
  }

  /** Load everything; on 401 ask for the token instead (retry: a token was just given). */
  async start({ retry = false } = {}) {
    clearTimeout(this.timer);
    try {
      const { result } = await call("GET", `${UI}/overview`);
      await this.apply(result);
    } catch (error) {
      if (error instanceof AuthError) return this.lock(retry ? "That token was refused." : "");
      this.status(`cannot reach the emulator: ${error.message}`, "bad");
    }
    this.schedule();
  }

  lock(message) {
    this.unlocked = false;
    clearTimeout(this.timer);
    setToken(null);
    for (const id of ["tabs", "clock", "view-kv", "view-d1", "refresh", "forget-token"]) {
      show($(id), false);
    }
    // Nothing of the state stays on the page once the token is gone.
    this.kv.clear();
    this.d1.clear();
    this.clock.clear();
    this.clockState = null;
    show($("token-prompt"));
    fill($("token-error"), message);
    show($("token-error"), Boolean(message));
    this.status("locked", "bad");
    $("token-input").focus();
  }

  unlock() {
    this.unlocked = true;
    show($("token-prompt"), false);
    for (const id of ["tabs", "clock", "refresh"]) show($(id));
    show($("forget-token"), Boolean(token()));
    this.showView(this.view);
  }

  /** Show an overview: the first one (after a start, or once the server answers) unlocks. */
  async apply(overview) {
    if (!this.unlocked) this.unlock();
    this.changes = overview.changes;
    this.clockState = overview.clock;
    this.clock.render(overview.clock);
    await Promise.all([this.kv.setNamespaces(overview.kv), this.d1.setDatabases(overview.d1)]);
    this.status("live", "good");
  }

  async refresh() {
    const { result } = await call("GET", `${UI}/overview`);
    await this.apply(result);
  }

  async afterClockMove(state) {
    this.clockState = state;
    await this.refresh();
  }

  schedule() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.pulse(), PULSE_MS);
  }

  async pulse() {
    try {
      const { result } = await call("GET", `${UI}/pulse`);
      this.clockState = result.clock;
      this.clock.render(result.clock);
      if (result.changes !== this.changes) await this.refresh();
      else await this.kv.tick();
      this.status("live", "good");
    } catch (error) {
      if (error instanceof AuthError) return this.lock("The token is no longer accepted.");
      this.status(`cannot reach the emulator: ${error.message}`, "bad");
    }
    this.schedule();
  }

  status(text, tone) {
    const element = $("status");
    fill(element, text);
    element.dataset.tone = tone;
  }
}

window.addEventListener("DOMContentLoaded", () => {
  new Inspector().start();
});
