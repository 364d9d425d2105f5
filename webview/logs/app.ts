/**
 * The Logs dashboard (DOM): filter bar, headline numbers, five SVG charts, the request table with
 * "load more" and a detail view, live updates pushed by the extension, CSV/JSONL export.
 * Filters and the selected row are kept in the webview state, so hiding the panel loses nothing.
 */
import type { LogRow, LogRowFull } from "../../server/protocol";
import { h } from "../compare/dom";
import { charts, tiles } from "./dashboard";
import { DEFAULT_FILTER, RANGES, STATUS_CHOICES, queryParams, restoreFilter, type FilterState, type RangeKey } from "./filters";
import { DASH, detailSections, ms, prettyBody, statusClass, tokens, usd, when } from "./format";
import type { LiveUpdate, WatchParams } from "./panelProtocol";
import { filterKey } from "./poll";
import { Bridge } from "./rpc";
import { EMPTY_ROWS, appendPage, mergeNewest, type RowList } from "./rows";

const PAGE = 50;

interface SavedState {
  filter: FilterState;
  selectedId: string | null;
}

type Field = HTMLElement & { value: string };

export class LogsApp {
  private readonly bridge = new Bridge((u) => this.onLive(u));
  private filter: FilterState;
  private selectedId: string | null;
  private list: RowList = EMPTY_ROWS;
  private watchKey = "";
  private readonly els = {
    error: h("div", { class: "error", role: "alert", hidden: true }),
    live: h("span", { class: "live", "aria-live": "polite" }),
    tiles: h("section", { class: "tiles", "aria-label": "Totals for the time range" }),
    charts: h("section", { class: "charts", "aria-label": "Charts" }),
    tbody: h("tbody"),
    more: h("vscode-button", { appearance: "secondary", hidden: true }, "Load more") as HTMLElement,
    detail: h("aside", { class: "detail", "aria-label": "Request details", hidden: true, tabindex: "-1" }),
    count: h("span", { class: "count" }),
  };

  constructor(private readonly root: HTMLElement) {
    const saved = this.bridge.api.getState() as Partial<SavedState> | undefined;
    this.filter = restoreFilter(saved?.filter);
    this.selectedId = typeof saved?.selectedId === "string" ? saved.selectedId : null;
  }

  async start(): Promise<void> {
    this.root.append(this.filterBar(), this.els.error, this.els.tiles, this.els.charts, this.table(), this.els.detail);
    this.root.addEventListener("keydown", (e) => this.onKey(e));
    this.els.more.addEventListener("click", () => void this.loadMore());
    await this.watch();
    if (this.selectedId) await this.select(this.selectedId, false);
  }

  private save(): void {
    const state: SavedState = { filter: this.filter, selectedId: this.selectedId };
    this.bridge.api.setState(state);
  }

  private showError(text: string | null): void {
    this.els.error.textContent = text ?? "";
    this.els.error.hidden = !text;
  }

  // ---- Filters ----

  private filterBar(): HTMLElement {
    const range = h("vscode-dropdown", { id: "f-range", "aria-label": "Time range" }, ...Object.entries(RANGES).map(([k, r]) =>
      h("vscode-option", { value: k, selected: k === this.filter.range }, r.label))) as Field;
    range.addEventListener("change", () => this.setFilter({ range: range.value as RangeKey }));
    const status = h("vscode-dropdown", { id: "f-status", "aria-label": "Status" }, ...STATUS_CHOICES.map((s) =>
      h("vscode-option", { value: s, selected: s === this.filter.status }, s || "any status"))) as Field;
    status.addEventListener("change", () => this.setFilter({ status: status.value }));
    const text = (key: "model" | "provider" | "prompt" | "tags", label: string, placeholder: string) => {
      const f = h("vscode-text-field", { id: `f-${key}`, placeholder, value: this.filter[key], "aria-label": label }, label) as Field;
      f.addEventListener("change", () => this.setFilter({ [key]: f.value }));
      return f;
    };
    const format = h("vscode-dropdown", { id: "x-format", "aria-label": "Export format" },
      h("vscode-option", { value: "csv" }, "CSV"), h("vscode-option", { value: "jsonl" }, "JSON Lines")) as Field;
    const bodies = h("vscode-checkbox", { id: "x-bodies" }, "with bodies") as HTMLElement & { checked: boolean };
    const exportBtn = h("vscode-button", { id: "x-export", appearance: "secondary" }, "Export…");
    exportBtn.addEventListener("click", () => void this.export(format.value === "jsonl" ? "jsonl" : "csv", bodies.checked));
    const reset = h("vscode-button", { appearance: "icon", "aria-label": "Clear filters", title: "Clear filters" }, "✕");
    reset.addEventListener("click", () => {
      for (const [k, v] of Object.entries(DEFAULT_FILTER)) {
        const el = this.root.querySelector<Field>(`#f-${k}`);
        if (el) el.value = v;
      }
      this.setFilter({ ...DEFAULT_FILTER });
    });
    return h("header", { class: "filters", role: "search" },
      h("label", { class: "field" }, "Time", range),
      text("model", "Model", "any model"),
      text("provider", "Provider", "any provider"),
      h("label", { class: "field" }, "Status", status),
      text("prompt", "Prompt", "id or id@version"),
      text("tags", "Tags", "key=value, key=value"),
      reset,
      h("span", { class: "spacer" }),
      this.els.live,
      h("span", { class: "export" }, format, bodies, exportBtn));
  }

  private setFilter(change: Partial<FilterState>): void {
    this.filter = { ...this.filter, ...change };
    this.save();
    void this.watch();
  }

  /** Starts watching the current filter: the extension answers with a first poll and pushes the next ones. */
  private async watch(): Promise<void> {
    const params: WatchParams = { filter: this.filter, limit: PAGE, utcOffsetMinutes: -new Date().getTimezoneOffset() };
    this.watchKey = filterKey(params);
    this.list = EMPTY_ROWS;
    this.els.live.textContent = "Loading…";
    try {
      this.onLive(await this.bridge.request("panel/watch", params));
    } catch (err) {
      this.showError(messageOf(err));
    }
  }

  private onLive(u: LiveUpdate): void {
    if (u.filterKey !== this.watchKey) return;
    this.showError(u.error);
    this.els.live.textContent = u.error ? "Not updating" : `Live · updated ${when(u.at, Date.now())}`;
    if (u.stats) this.drawStats(u);
    if (u.newest) {
      this.list = mergeNewest(this.list, u.newest).list;
      this.drawRows();
    }
  }

  // ---- Charts ----

  private drawStats(u: LiveUpdate): void {
    const s = u.stats!;
    this.els.tiles.replaceChildren(...tiles(s).map((t) => h("div", { class: "tile" }, h("div", { class: "tile-label" }, t.label), h("div", { class: "tile-value" }, t.value))));
    const note = this.filter.status || this.filter.prompt || this.filter.tags ? "Charts follow the time range, model and provider; the table follows every filter." : null;
    this.els.charts.replaceChildren(
      ...(note ? [h("p", { class: "note" }, note)] : []),
      ...charts(s).map((c) => {
        const fig = h("figure", { class: `chart-box chart-${c.key}` }, h("figcaption", {}, c.heading));
        // Markup from charts.ts: every text in it went through escapeXml.
        const svg = new DOMParser().parseFromString(c.svg, "image/svg+xml").documentElement;
        fig.append(document.importNode(svg, true));
        return fig;
      }),
    );
  }

  // ---- Table ----

  private table(): HTMLElement {
    const cols = ["Time", "Model", "Provider", "Status", "Latency", "TTFT", "Tokens in → out", "Cost", "Cache", "Prompt"];
    return h("section", { class: "requests", "aria-label": "Requests" },
      h("h2", {}, "Requests ", this.els.count),
      h("div", { class: "table-scroll" },
        h("table", { "aria-describedby": "table-help" },
          h("thead", {}, h("tr", {}, ...cols.map((c) => h("th", { scope: "col" }, c)))),
          this.els.tbody)),
      h("p", { id: "table-help", class: "help" }, "Enter opens a request's details; ↑ ↓ move between rows; Esc closes the details."),
      this.els.more);
  }

  private drawRows(): void {
    const focused = (document.activeElement as HTMLElement | null)?.dataset?.id;
    const now = Date.now();
    this.els.tbody.replaceChildren(...this.list.rows.map((r) => this.rowEl(r, now)));
    if (this.list.rows.length === 0) this.els.tbody.append(h("tr", {}, h("td", { colspan: "10", class: "empty" }, "No requests match these filters in this time range.")));
    this.els.count.textContent = `(${this.list.rows.length}${this.list.nextCursor ? "+" : ""})`;
    this.els.more.hidden = !this.list.nextCursor;
    if (focused) this.els.tbody.querySelector<HTMLElement>(`tr[data-id="${CSS.escape(focused)}"]`)?.focus();
  }

  private rowEl(r: LogRow, now: number): HTMLElement {
    const tr = h("tr", { tabindex: "0", "data-id": r.id, class: r.id === this.selectedId ? "selected" : undefined, "aria-selected": r.id === this.selectedId ? "true" : "false" },
      h("td", { title: new Date(r.createdAt).toISOString() }, when(r.createdAt, now)),
      h("td", {}, r.model ?? DASH),
      h("td", {}, r.provider ?? DASH),
      h("td", { class: `status ${statusClass(r.status)}`, title: r.error ?? undefined }, String(r.status)),
      h("td", { class: "num" }, ms(r.latencyMs)),
      h("td", { class: "num" }, ms(r.ttftMs)),
      h("td", { class: "num" }, tokens(r)),
      h("td", { class: "num" }, usd(r.costUsd)),
      h("td", {}, r.cacheStatus ?? DASH),
      h("td", {}, r.promptId ? `${r.promptId}${r.promptVersion ? `@${r.promptVersion}` : ""}` : DASH));
    tr.addEventListener("click", () => void this.select(r.id, true));
    return tr;
  }

  private async loadMore(): Promise<void> {
    const cursor = this.list.nextCursor;
    if (!cursor) return;
    const p = queryParams(this.filter, Date.now(), PAGE, cursor);
    if (!p.ok) return this.showError(p.error);
    try {
      const key = this.watchKey;
      const page = await this.bridge.request("faro/logs/query", p.value);
      if (key !== this.watchKey) return;
      this.list = appendPage(this.list, page);
      this.drawRows();
    } catch (err) {
      this.showError(messageOf(err));
    }
  }

  private onKey(e: KeyboardEvent): void {
    const target = e.target as HTMLElement;
    if (e.key === "Escape" && !this.els.detail.hidden) {
      e.preventDefault();
      this.closeDetail();
      return;
    }
    if (target.tagName !== "TR" || !target.dataset.id) return;
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      void this.select(target.dataset.id, true);
    } else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      const next = (e.key === "ArrowDown" ? target.nextElementSibling : target.previousElementSibling) as HTMLElement | null;
      next?.focus();
    }
  }

  // ---- Detail ----

  private async select(id: string, focus: boolean): Promise<void> {
    this.selectedId = id;
    this.save();
    this.els.tbody.querySelectorAll<HTMLElement>("tr[data-id]").forEach((tr) => {
      const on = tr.dataset.id === id;
      tr.classList.toggle("selected", on);
      tr.setAttribute("aria-selected", on ? "true" : "false");
    });
    const d = this.els.detail;
    d.hidden = false;
    d.replaceChildren(h("p", {}, "Loading…"));
    try {
      this.drawDetail(await this.bridge.request("faro/logs/get", { id }));
    } catch (err) {
      d.replaceChildren(this.closeButton(), h("p", { class: "error" }, messageOf(err)));
    }
    if (focus) d.focus();
  }

  private closeButton(): HTMLElement {
    const b = h("vscode-button", { appearance: "secondary", class: "close" }, "Close (Esc)");
    b.addEventListener("click", () => this.closeDetail());
    return b;
  }

  private drawDetail(r: LogRowFull): void {
    const body = (title: string, text: string | null) => h("section", {}, h("h3", {}, title),
      text === null ? h("p", { class: "muted" }, "Not logged (turn on body logging: --log-bodies or log.bodies in config.json).") : h("pre", { tabindex: "0" }, text));
    this.els.detail.replaceChildren(
      h("div", { class: "detail-head" }, h("h2", {}, `${r.model ?? r.route} · ${r.status}`), this.closeButton()),
      ...detailSections(r, Date.now()).map((s) => h("section", {}, h("h3", {}, s.title),
        h("dl", {}, ...s.rows.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])))),
      body("Request body", prettyBody(r.requestBody)),
      body("Response body", prettyBody(r.responseBody)));
  }

  private closeDetail(): void {
    const id = this.selectedId;
    this.selectedId = null;
    this.save();
    this.els.detail.hidden = true;
    this.els.tbody.querySelectorAll<HTMLElement>("tr.selected").forEach((tr) => {
      tr.classList.remove("selected");
      tr.setAttribute("aria-selected", "false");
    });
    if (id) this.els.tbody.querySelector<HTMLElement>(`tr[data-id="${CSS.escape(id)}"]`)?.focus();
  }

  // ---- Export ----

  private async export(format: "csv" | "jsonl", includeBodies: boolean): Promise<void> {
    try {
      const { path, rows } = await this.bridge.request("panel/export", { filter: this.filter, format, includeBodies });
      if (path) this.els.live.textContent = `Exported ${rows} rows to ${path}`;
    } catch (err) {
      this.showError(messageOf(err));
    }
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
