/**
 * The Compare view: pick N models (or N versions of a prompt), one input set and k runs; run;
 * watch the columns stream; mark a winner; export; reopen past comparisons. Its state lives in
 * the webview state (getState/setState), so hiding the panel loses nothing.
 */
import type { CompareEvent, ComparisonSummary } from "../../server/protocol";
import { h } from "./dom";
import { toCsv, toMarkdown } from "./exportFormat";
import { applyEvent, fromSaved, fromStarted, type ComparisonView } from "./model";
import type { PanelContext } from "./panelProtocol";
import { renderResults } from "./resultsView";
import { Bridge, errorText } from "./rpc";
import { startParams } from "./startForm";

interface Choice { value: string; label: string; detail: string }
interface Variable { name: string; type: string; optional: boolean; value: string }

export interface UiState {
  context: PanelContext | null;
  choices: Choice[];
  selected: string[];
  variables: Variable[];
  message: string;
  repeats: string;
  maxTokens: string;
  current: ComparisonView | null;
  history: ComparisonSummary[];
  note: string | null;
  problem: string | null;
}

const initial = (): UiState => ({ context: null, choices: [], selected: [], variables: [], message: "Write a haiku about lighthouses.", repeats: "1", maxTokens: "", current: null, history: [], note: null, problem: null });

export class CompareApp {
  private state: UiState;
  private readonly bridge: Bridge;
  private frame = 0;
  /** The id of the control that last had the keyboard focus (a disabled Run button loses it while running). */
  private lastFocus: string | null = null;

  constructor(private readonly root: HTMLElement) {
    this.bridge = new Bridge({ context: (c) => void this.load(c), event: (e) => this.onEvent(e) });
    this.state = { ...initial(), ...((this.bridge.api.getState() as Partial<UiState> | undefined) ?? {}) };
    document.addEventListener("focusin", () => {
      const id = document.activeElement?.id;
      if (id) this.lastFocus = id;
    });
    // A click elsewhere is the user moving on: no focus to put back (a click on a control sets it again).
    document.addEventListener("mousedown", () => { this.lastFocus = null; });
    document.addEventListener("keydown", (e) => {
      if ((e.ctrlKey || e.metaKey) && e.key === "Enter") void this.run();
    });
  }

  async start(): Promise<void> {
    this.render();
    if (this.state.current?.status === "running") {
      // Events sent while the panel was hidden were lost: take the extension's copy.
      const live = await this.call(() => this.bridge.request("panel/live", { comparisonId: this.state.current!.id }));
      if (live) this.state.current = live;
      else if (this.state.current) this.state.current = fromSaved(await this.bridge.request("faro/compare/get", { comparisonId: this.state.current.id }));
    }
    const context = await this.call(() => this.bridge.request("panel/context", {}));
    if (context) await this.load(context, this.state.context?.uri === context.uri && this.state.context.mode === context.mode);
  }

  /** Reads what can be chosen for this context; keeps the user's choices when it is the same one. */
  private async load(context: PanelContext, keep = false): Promise<void> {
    const same = keep || (this.state.context?.uri === context.uri && this.state.context?.mode === context.mode);
    this.state.context = context;
    await this.call(async () => {
      if (context.mode === "versions" && context.uri) {
        const history = await this.bridge.request("faro/prompt/history", { uri: context.uri });
        this.state.choices = history.versions.map((v) => ({ value: String(v.version), label: `v${v.version}`, detail: [new Date(v.createdAt).toLocaleString(), ...v.labels].join(" · ") }));
      } else {
        const { models, defaultModel } = await this.bridge.request("faro/models/list", {});
        this.state.choices = models.map((m) => ({ value: m.id, label: m.id, detail: [m.id === defaultModel ? "default" : "", m.faro.provider, m.faro.context_length ? `${m.faro.context_length} ctx` : "", m.faro.loaded ? "loaded" : ""].filter(Boolean).join(" · ") }));
      }
      const values = new Set(this.state.choices.map((c) => c.value));
      this.state.selected = same ? this.state.selected.filter((s) => values.has(s)) : this.state.choices.slice(-2).map((c) => c.value);
      if (context.uri) {
        const inputs = await this.bridge.request("faro/prompt/inputs", { uri: context.uri });
        const old = new Map(this.state.variables.map((v) => [v.name, v.value]));
        this.state.variables = inputs.variables.map((v) => ({
          name: v.name, type: v.type, optional: v.optional,
          value: (same ? old.get(v.name) : undefined) ?? (v.default === undefined ? "" : typeof v.default === "string" ? v.default : JSON.stringify(v.default)),
        }));
      } else this.state.variables = [];
      this.state.history = (await this.bridge.request("faro/compare/list", { limit: 20 })).comparisons;
    });
    this.render();
  }

  private onEvent(e: CompareEvent): void {
    const cur = this.state.current;
    if (!cur || !applyEvent(cur, e)) return;
    if (e.type === "finished") void this.refreshHistory();
    this.schedule();
  }

  private async run(): Promise<void> {
    const ctx = this.state.context;
    if (!ctx || this.state.current?.status === "running") return;
    const form = startParams({ ...this.state, context: ctx });
    this.state.note = null;
    if ("problem" in form) {
      this.state.problem = form.problem;
      this.render();
      return;
    }
    const started = await this.call(() => this.bridge.request("faro/compare/start", form.params));
    if (started) this.state.current = fromStarted(started, Date.now());
    this.render();
  }

  private async refreshHistory(): Promise<void> {
    await this.call(async () => {
      this.state.history = (await this.bridge.request("faro/compare/list", { limit: 20 })).comparisons;
    });
    this.render();
  }

  /** Runs `f`; a failure is shown above the results instead of thrown. */
  private async call<T>(f: () => Promise<T>): Promise<T | undefined> {
    try {
      const v = await f();
      this.state.problem = null;
      return v;
    } catch (err) {
      this.state.problem = errorText(err);
      this.render();
      return undefined;
    }
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  private render(): void {
    this.bridge.api.setState(this.state);
    const s = this.state;
    const ctx = s.context;
    // Everything is rebuilt: put the focus back on the same control (by id), also when it was
    // lost to the body meanwhile (Run is disabled while a comparison runs).
    const active = document.activeElement;
    const focused = active && active !== document.body ? active.id : this.lastFocus;
    const heading = ctx ? `${ctx.mode === "versions" ? "Compare prompt versions" : "Compare models"}${ctx.fileName ? ` — ${ctx.fileName}` : ""}` : "Compare";
    const running = s.current?.status === "running";
    const current = s.current;
    const parts: Array<HTMLElement | null> = [
      h("h1", {}, heading),
      h("section", { class: "setup", "aria-label": "What to compare" },
        h("fieldset", { class: "choices" },
          h("legend", {}, ctx?.mode === "versions" ? "Versions" : "Models"),
          s.choices.length === 0 ? h("p", { class: "note" }, ctx?.mode === "versions" ? "No recorded versions yet: save the prompt to record one." : "No models.") : null,
          ...s.choices.map((c) => h("vscode-checkbox", {
            id: `choice-${c.value}`, class: "choice", "data-value": c.value, checked: s.selected.includes(c.value),
            onchange: (e: Event) => {
              const on = (e.target as HTMLInputElement).checked;
              // Columns follow the list's order, not the order the boxes were ticked in.
              s.selected = s.choices.map((x) => x.value).filter((v) => (v === c.value ? on : s.selected.includes(v)));
              this.bridge.api.setState(s);
            },
          }, c.label, c.detail ? h("span", { class: "detail" }, ` ${c.detail}`) : null)),
        ),
        h("fieldset", { class: "inputs" },
          h("legend", {}, "Input"),
          ctx?.uri
            ? (s.variables.length === 0 ? h("p", { class: "note" }, "The prompt takes no variables.") : null)
            : h("vscode-text-area", { id: "message", rows: "3", resize: "vertical", value: s.message, oninput: (e: Event) => { s.message = (e.target as HTMLTextAreaElement).value; } }, "Message"),
          ...s.variables.map((v) => h("vscode-text-field", { id: `var-${v.name}`, class: "variable", value: v.value, oninput: (e: Event) => { v.value = (e.target as HTMLInputElement).value; } }, `${v.name} (${v.type}${v.optional ? ", optional" : ""})`)),
        ),
        h("div", { class: "row" },
          h("vscode-text-field", { id: "repeats", size: "4", value: s.repeats, oninput: (e: Event) => { s.repeats = (e.target as HTMLInputElement).value; } }, "Runs per column"),
          h("vscode-text-field", { id: "max-tokens", size: "6", value: s.maxTokens, placeholder: "prompt's", oninput: (e: Event) => { s.maxTokens = (e.target as HTMLInputElement).value; } }, "Max tokens"),
          h("vscode-button", { id: "run", class: "run", disabled: running || !ctx, title: "Run (Ctrl+Enter)", onclick: () => void this.run() }, running ? "Running…" : "Run"),
        ),
      ),
      s.problem ? h("p", { class: "error problem", role: "alert" }, s.problem) : null,
      s.note ? h("p", { class: "note winner-note", role: "status" }, s.note) : null,
      current ? renderResults(current, {
        cancel: () => void this.call(() => this.bridge.request("faro/compare/cancel", { comparisonId: current.id })),
        exportAs: (format) => void this.call(async () => {
          const content = format === "csv" ? toCsv(current) : toMarkdown(current);
          const { path } = await this.bridge.request("panel/export", { format, content, name: safeName(current.title) + (format === "csv" ? ".csv" : ".md") });
          if (path) { s.note = `Saved ${path}`; this.render(); }
        }),
        markWinner: (column) => void this.call(async () => {
          const { comparison, note } = await this.bridge.request("panel/markWinner", { comparisonId: current.id, column });
          current.winner = comparison.winner;
          s.note = note;
          s.history = s.history.map((x) => (x.id === current.id ? { ...x, winner: comparison.winner } : x));
          this.render();
        }),
      }) : null,
      h("section", { class: "history", "aria-label": "Past comparisons" },
        h("h2", {}, "Past comparisons"),
        s.history.length === 0 ? h("p", { class: "note" }, "None yet.") : null,
        h("ul", {}, ...s.history.map((c) => h("li", {},
          h("button", { id: `past-${c.id}`, class: "link past", onclick: () => void this.open(c.id) }, c.title),
          h("span", { class: "detail" }, ` ${new Date(c.createdAt).toLocaleString()} · ${c.status}${c.winner ? ` · winner ${c.winner}` : ""}`)))),
      ),
    ];
    this.root.replaceChildren(...parts.filter((p): p is HTMLElement => p !== null));
    if (focused) document.getElementById(focused)?.focus();
  }

  private async open(id: string): Promise<void> {
    const saved = await this.call(() => this.bridge.request("faro/compare/get", { comparisonId: id }));
    if (saved) this.state.current = fromSaved(saved);
    this.render();
  }
}

function safeName(title: string): string {
  return title.replace(/[^\w.-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60) || "comparison";
}
