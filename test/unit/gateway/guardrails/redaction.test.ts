import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { heldBack, Redactor, type PiiCounts } from "../../../../server/gateway/guardrails/redactor";
import { restoreEvents } from "../../../../server/gateway/guardrails/restoreStream";
import { mapBodyText } from "../../../../server/gateway/guardrails/requestBodies";
import { guardrailHints, resolvePolicy } from "../../../../server/gateway/guardrails/policy";
import type { ChatEvent } from "../../../../server/providers/types";

async function* from(events: ChatEvent[]): AsyncIterable<ChatEvent> {
  yield* events;
}
const collect = async (it: AsyncIterable<ChatEvent>) => {
  const out: ChatEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
};
const texts = (events: ChatEvent[]) => events.flatMap((e) => (e.type === "text" ? [e.text] : []));

describe("redactor", () => {
  test("numbered per type, stable per value, counted per finding", () => {
    const r = new Redactor();
    const counts: PiiCounts = {};
    assert.equal(r.redact("a@x.io b@x.io a@x.io", counts), "[EMAIL_1] [EMAIL_2] [EMAIL_1]");
    assert.equal(r.redact("again a@x.io at 10.0.0.1", counts), "again [EMAIL_1] at [IPV4_1]");
    assert.deepEqual(counts, { email: 4, ipv4: 1 });
    assert.equal(r.restore("[EMAIL_2] [IPV4_1] [EMAIL_9] [note]"), "b@x.io 10.0.0.1 [EMAIL_9] [note]");
    assert.equal(r.restore('{"to":"[EMAIL_1]"}', true), '{"to":"a@x.io"}');
  });

  test("only the types asked for", () => {
    const r = new Redactor(["email"]);
    assert.equal(r.redact("a@x.io at 10.0.0.1", {}), "[EMAIL_1] at 10.0.0.1");
  });

  test("held back: only a tail that could still become a placeholder", () => {
    assert.equal(heldBack("hello [EMA"), 4);
    assert.equal(heldBack("hello ["), 1);
    assert.equal(heldBack("hello [EMAIL_1"), 8);
    assert.equal(heldBack("array[0"), 0);
    assert.equal(heldBack("see [the docs"), 0);
    assert.equal(heldBack("done [EMAIL_1]"), 0);
    assert.equal(heldBack(`[${"A".repeat(30)}`), 0, "longer than any placeholder");
  });
});

describe("restoring a stream", () => {
  test("placeholders split anywhere come back whole; other text is not delayed", async () => {
    const r = new Redactor();
    r.redact("ana@x.io and 4111 1111 1111 1111", {});
    const answer = "Hi [EMAIL_1], card [CREDIT_CARD_1] ok";
    for (let cut = 1; cut < answer.length; cut++) {
      const events: ChatEvent[] = [
        { type: "text", index: 0, text: answer.slice(0, cut) },
        { type: "text", index: 0, text: answer.slice(cut) },
        { type: "choice_end", index: 0, finishReason: "stop" },
      ];
      const out = await collect(restoreEvents(from(events), r));
      assert.equal(texts(out).join(""), "Hi ana@x.io, card 4111 1111 1111 1111 ok", `cut at ${cut}`);
      assert.equal(out.at(-1)!.type, "choice_end");
    }
    const plain = await collect(restoreEvents(from([{ type: "text", index: 0, text: "no brackets here" }]), r));
    assert.deepEqual(texts(plain), ["no brackets here"]);
  });

  test("log probabilities pass through with the restored text, each token once and in order", async () => {
    const r = new Redactor();
    r.redact("ana@x.io", {});
    const lp = (token: string) => ({ token, logprob: -0.5, bytes: [...Buffer.from(token)], top_logprobs: [] });
    const pieces = ["Hi ", "[EMA", "IL_1]", " ok"];
    const out = await collect(
      restoreEvents(from([...pieces.map((text): ChatEvent => ({ type: "text", index: 0, text, logprobs: [lp(text)] })), { type: "choice_end", index: 0, finishReason: "stop" }]), r),
    );
    assert.equal(texts(out).join(""), "Hi ana@x.io ok");
    const tokens = out.flatMap((e) => (e.type === "text" ? (e.logprobs ?? []).map((l) => l.token) : []));
    assert.deepEqual(tokens, pieces);
  });

  test("choices are kept apart and a held tail is released at its choice's end", async () => {
    const r = new Redactor();
    r.redact("ana@x.io", {});
    const out = await collect(
      restoreEvents(
        from([
          { type: "text", index: 0, text: "a [EMAIL_" },
          { type: "text", index: 1, text: "b [" },
          { type: "choice_end", index: 1, finishReason: "length" },
          { type: "text", index: 0, text: "1]" },
          { type: "choice_end", index: 0, finishReason: "stop" },
        ]),
        r,
      ),
    );
    assert.deepEqual(
      out.map((e) => (e.type === "text" ? `${e.index}:${e.text}` : e.type)),
      ["0:a ", "1:b ", "1:[", "choice_end", "0:ana@x.io", "choice_end"],
    );
  });
});

describe("request bodies", () => {
  test("only user text is mapped, nothing else, and unchanged bodies are the same object", () => {
    const up = (s: string) => s.toUpperCase();
    const body = { model: "m", user: "u", messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "data:x" } }, { type: "text", text: "hi" }] }] };
    const out = mapBodyText(body, up);
    assert.deepEqual(out.messages[0]!.content, [{ type: "image_url", image_url: { url: "data:x" } }, { type: "text", text: "HI" }]);
    assert.equal(out.model, "m");
    assert.equal(out.user, "u");
    assert.equal(body.messages[0]!.content[1]!.text, "hi");
    const same = { model: "m", prompt: ["a", "b"] };
    assert.equal(mapBodyText(same, (s) => s), same);
    assert.deepEqual(mapBodyText({ model: "m", prompt: ["a", "b"] }, up).prompt, ["A", "B"]);
    assert.deepEqual(mapBodyText({ model: "m", input: "x" }, up).input, "X");
  });
});

describe("policy", () => {
  const leaf = (provider: string, family: string) => ({ target: { provider }, family });
  const none = { pii: null, restore: null };
  test("defaults: redact for cloud, off for the local engine and local-server presets", () => {
    assert.equal(resolvePolicy(leaf("openai", "openai"), undefined, none).pii, "redact");
    assert.equal(resolvePolicy(leaf("anthropic", "anthropic"), undefined, none).pii, "redact");
    assert.equal(resolvePolicy(leaf("local", "local"), undefined, none).pii, "off");
    assert.equal(resolvePolicy(leaf("ollama", "openai"), undefined, none).pii, "off");
  });
  test("config file per provider with default, target config, then headers win", () => {
    const file = { pii: { default: "block" as const, groq: "off" as const }, restore: true };
    assert.equal(resolvePolicy(leaf("openai", "openai"), file, none).pii, "block");
    assert.equal(resolvePolicy(leaf("groq", "openai"), file, none).pii, "off");
    assert.equal(resolvePolicy({ ...leaf("groq", "openai"), guardrails: { pii: "redact" } }, file, none).pii, "redact");
    const p = resolvePolicy({ ...leaf("groq", "openai"), guardrails: { pii: "redact" } }, file, { pii: "block", restore: false });
    assert.deepEqual([p.pii, p.restore], ["block", false]);
  });
  test("headers are validated", () => {
    assert.deepEqual(guardrailHints({ "x-faro-pii": "Block", "x-faro-pii-restore": "true" }), { pii: "block", restore: true });
    assert.throws(() => guardrailHints({ "x-faro-pii": "maybe" }), /x-faro-pii must be off, redact or block/);
    assert.throws(() => guardrailHints({ "x-faro-pii-restore": "yes" }), /x-faro-pii-restore/);
  });
});
