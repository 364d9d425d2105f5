/**
 * Per-request placeholders for PII: each distinct value gets `[TYPE_N]` (the same value the same
 * placeholder in every message and on every fallback attempt), and the answer can be mapped
 * back. The values live only in this object, which dies with the request.
 */
import { detect, PII_TYPES, type PiiType } from "./detectors";

export type PiiCounts = Partial<Record<PiiType, number>>;

/** A complete placeholder, e.g. `[EMAIL_1]`, `[CREDIT_CARD_12]`. */
export const PLACEHOLDER = /\[([A-Z][A-Z0-9]*(?:_[A-Z][A-Z0-9]*)*)_(\d{1,6})\]/g;
/** The longest placeholder a stream may need to hold back (`[CREDIT_CARD_999999]` is 20). */
export const MAX_PLACEHOLDER = 24;

export class Redactor {
  private readonly byValue = new Map<string, string>();
  private readonly byPlaceholder = new Map<string, string>();
  private readonly next = new Map<PiiType, number>();

  constructor(readonly types: readonly PiiType[] = PII_TYPES) {}

  /** Whether any value was replaced so far (restore has work to do). */
  get used(): boolean {
    return this.byValue.size > 0;
  }

  /** `text` with every finding replaced; `counts` gains one per finding. */
  redact(text: string, counts: PiiCounts): string {
    const spans = detect(text, this.types);
    if (spans.length === 0) return text;
    let out = "";
    let at = 0;
    for (const s of spans) {
      counts[s.type] = (counts[s.type] ?? 0) + 1;
      out += text.slice(at, s.start) + this.placeholder(s.type, text.slice(s.start, s.end));
      at = s.end;
    }
    return out + text.slice(at);
  }

  /** Counts findings without replacing anything (block mode). */
  scan(text: string, counts: PiiCounts): void {
    for (const s of detect(text, this.types)) counts[s.type] = (counts[s.type] ?? 0) + 1;
  }

  /** Puts the values back; `escape` writes them as JSON string content (inside tool arguments). */
  restore(text: string, escape = false): string {
    if (this.byPlaceholder.size === 0 || !text.includes("[")) return text;
    return text.replace(PLACEHOLDER, (whole) => {
      const value = this.byPlaceholder.get(whole);
      if (value === undefined) return whole;
      return escape ? JSON.stringify(value).slice(1, -1) : value;
    });
  }

  private placeholder(type: PiiType, value: string): string {
    let p = this.byValue.get(value);
    if (p === undefined) {
      const n = (this.next.get(type) ?? 0) + 1;
      this.next.set(type, n);
      p = `[${type.toUpperCase()}_${n}]`;
      this.byValue.set(value, p);
      this.byPlaceholder.set(p, value);
    }
    return p;
  }
}

/** How much of the end of `text` might be the start of a placeholder cut by a chunk boundary. */
export function heldBack(text: string): number {
  const open = text.lastIndexOf("[");
  if (open < 0 || text.length - open >= MAX_PLACEHOLDER) return 0;
  return /^\[[A-Z][A-Z0-9_]*$|^\[$/.test(text.slice(open)) ? text.length - open : 0;
}
