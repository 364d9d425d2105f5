/**
 * Puts redacted values back into an answer as it streams. A placeholder may arrive split across
 * chunks (`[EMA` + `IL_1]`), so each text channel (a choice's text or reasoning, a tool call's
 * arguments) holds back only a tail that could still become a placeholder; everything else is
 * passed on at once, and the tail is released at the choice's end. Non-streamed answers go
 * through the same path (their events arrive whole).
 * Log probabilities stay as the model produced them (the placeholder's tokens, not the restored
 * value's): they go out with the next text that goes out, so none is lost or duplicated.
 */
import type { ChatEvent, TokenLogprob } from "../../providers/types";
import { heldBack, type Redactor } from "./redactor";

type Delta = Extract<ChatEvent, { type: "tool_call_delta" }>;

export async function* restoreEvents(events: AsyncIterable<ChatEvent>, redactor: Redactor): AsyncIterable<ChatEvent> {
  const held = new Map<string, { index: number; text: string; make: (text: string) => ChatEvent; escape: boolean }>();
  /** What of `text` can go out now (restored), keeping a possible placeholder start for later. */
  const take = (key: string, index: number, text: string, make: (text: string) => ChatEvent, escape: boolean): string => {
    const buf = (held.get(key)?.text ?? "") + text;
    const keep = heldBack(buf);
    held.set(key, { index, text: buf.slice(buf.length - keep), make, escape });
    const out = buf.slice(0, buf.length - keep);
    return out.length > 0 ? redactor.restore(out, escape) : "";
  };
  /** Log probabilities of text that is held back, by channel key. */
  const logprobs = new Map<string, TokenLogprob[]>();
  const flush = function* (index: number | null): Iterable<ChatEvent> {
    for (const [key, h] of held) {
      if (index !== null && h.index !== index) continue;
      held.delete(key);
      if (h.text.length > 0 || logprobs.has(key)) yield h.make(redactor.restore(h.text, h.escape));
    }
  };
  for await (const e of events) {
    switch (e.type) {
      case "text": {
        const { index } = e;
        const key = `text:${index}`;
        if (e.logprobs) logprobs.set(key, [...(logprobs.get(key) ?? []), ...e.logprobs]);
        const withLogprobs = (t: string): ChatEvent => {
          const lp = logprobs.get(key);
          logprobs.delete(key);
          return lp ? { type: "text", index, text: t, logprobs: lp } : { type: "text", index, text: t };
        };
        const text = take(key, index, e.text, withLogprobs, false);
        if (text) yield withLogprobs(text);
        break;
      }
      case "reasoning": {
        const { index } = e;
        const text = take(`reasoning:${index}`, index, e.text, (t) => ({ type: "reasoning", index, text: t }), false);
        if (text) yield { type: "reasoning", index, text };
        break;
      }
      case "tool_call_delta": {
        const { index, callIndex } = e;
        const args = take(`call:${index}:${callIndex}`, index, e.arguments, (a) => ({ type: "tool_call_delta", index, callIndex, arguments: a }), true);
        // The piece that names the call goes out even when all its arguments are held back.
        if (args || e.id !== undefined || e.name !== undefined) yield { ...e, arguments: args } satisfies Delta;
        break;
      }
      case "tool_calls":
        yield { ...e, calls: e.calls.map((c) => ({ ...c, arguments: redactor.restore(c.arguments, true) })) };
        break;
      case "choice_end":
        yield* flush(e.index);
        yield e;
        break;
      default:
        yield* flush(null);
        yield e;
    }
  }
  yield* flush(null);
}
