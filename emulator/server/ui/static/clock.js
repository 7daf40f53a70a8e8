// The emulator clock bar: shows the clock's time and moves it through the admin routes
// (POST /__emulator/clock), the same routes tests in other processes use.
import { ADMIN, call } from "./api.js";
import { fill, formatInstant, formatLeft, show } from "./dom.js";

const $ = (id) => document.getElementById(id);

export class ClockBar {
  constructor(onMoved) {
    this.onMoved = onMoved;
    this.state = null;
    for (const button of document.querySelectorAll("[data-shift]")) {
      button.addEventListener("click", () => this.send({ shift: Number(button.dataset.shift) }));
    }
    $("clock-shift-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const seconds = Number($("clock-shift").value);
      if (!Number.isFinite(seconds)) return this.fail("Shift by a number of seconds.");
      this.send({ shift: seconds });
    });
    $("clock-move-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const text = $("clock-move").value.trim();
      // Epoch seconds as a number; anything else goes to the server as ISO-8601 text.
      this.send({ move_to: /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text });
    });
    $("clock-freeze").addEventListener("click", () => this.send({ freeze: !this.state?.frozen }));
    $("clock-real").addEventListener("click", () => this.send({ real: true, freeze: false }));
  }

  /** Show a clock state as GET /__emulator/clock answers it. */
  render(state) {
    this.state = state;
    fill($("clock-time"), formatInstant(state.now));
    $("clock-time").setAttribute("datetime", state.iso);
    $("clock-time").dataset.epoch = String(state.now);
    const frozen = state.frozen === true;
    fill($("clock-mode"), frozen ? "frozen" : "running");
    $("clock-mode").classList.toggle("frozen", frozen);
    fill($("clock-freeze"), frozen ? "Unfreeze" : "Freeze");
    const offset = state.offset ?? 0;
    let shown = "";
    if (Math.abs(offset) >= 1) {
      shown = `${offset > 0 ? "+" : "−"}${formatLeft(Math.abs(offset))} from wall time`;
    }
    fill($("clock-offset"), shown);
  }

  /** Show nothing of the clock (the token was refused or forgotten). */
  clear() {
    this.state = null;
    for (const id of ["clock-time", "clock-mode", "clock-offset", "clock-error"]) fill($(id));
  }

  fail(message) {
    fill($("clock-error"), message);
    show($("clock-error"));
  }

  async send(body) {
    show($("clock-error"), false);
    try {
      const { result } = await call("POST", `${ADMIN}/clock`, { json: body });
      this.render(result);
      await this.onMoved(result);
    } catch (error) {
      this.fail(error.message);
    }
  }
}
