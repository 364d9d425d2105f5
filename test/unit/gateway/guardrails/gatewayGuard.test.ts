/**
 * Guardrails inside the gateway, per routing target: scripted in-process upstreams record what
 * they were sent, so each test sees exactly what would have left the machine.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Gateway } from "../../../../server/gateway/gateway";
import { KeyStore } from "../../../../server/gateway/keys";
import { openRecord, type RequestRecord } from "../../../../server/gateway/requestRecord";
import { parseConfig, type TargetConfig } from "../../../../server/gateway/routing/config";
import { NO_HINTS, type RoutingHints } from "../../../../server/gateway/routing/headers";
import { chatCompletionRequestSchema, completionRequestSchema, parseBody, type ChatCompletionRequest, type CompletionRequest } from "../../../../server/gateway/schema";
import { EMPTY_SETTINGS, type GatewaySettings } from "../../../../server/gateway/targets";
import type { GuardrailSettings } from "../../../../server/gateway/guardrails/policy";
import { FaroError } from "../../../../server/errors";
import type { ChatEvent, RequestContext } from "../../../../server/providers/types";
import { UpstreamError, type Upstream } from "../../../../server/providers/upstream";
import type { LocalProvider } from "../../../../server/providers/local/localProvider";
import type { Settings } from "../../../../server/store/settings";

const EMAIL = "ana.garcia@empresa.es";
const CARD = "4111 1111 1111 1111";

/** An upstream that records bodies and answers from a script (a function of the body it got). */
class Scripted implements Upstream {
  readonly sent: Array<Record<string, unknown>> = [];
  readonly script: Array<number | ((body: Record<string, unknown>) => ChatEvent[])> = [];
  constructor(readonly family: string) {}
  async *chat(_t: unknown, req: ChatCompletionRequest): AsyncIterable<ChatEvent> {
    this.sent.push(req as Record<string, unknown>);
    const step = this.script.shift() ?? echo;
    if (typeof step === "number") throw new UpstreamError({ provider: this.family, status: step });
    yield* step(req as Record<string, unknown>);
  }
  async *complete(_t: unknown, req: CompletionRequest): AsyncIterable<ChatEvent> {
    this.sent.push(req as Record<string, unknown>);
    yield { type: "choice_end", index: 0, finishReason: "stop" };
    yield { type: "usage", usage: { prompt_tokens: 1, completion_tokens: 0, total_tokens: 1 } };
  }
  async embed(_t: unknown, req: { input: string | string[] }) {
    this.sent.push(req as Record<string, unknown>);
    const n = Array.isArray(req.input) ? req.input.length : 1;
    return { vectors: Array.from({ length: n }, () => [1, 0]), promptTokens: 3 };
  }
}

const lastUser = (body: Record<string, unknown>) => {
  const msgs = body.messages as Array<{ role: string; content: string }>;
  return msgs.filter((m) => m.role === "user").at(-1)!.content;
};
/** Echoes the last user message in pieces of 3 characters, so placeholders arrive split. */
const echo = (body: Record<string, unknown>): ChatEvent[] => {
  const text = lastUser(body);
  const pieces = text.match(/[\s\S]{1,3}/g) ?? [];
  return [...pieces.map((t) => ({ type: "text" as const, index: 0, text: t })), { type: "choice_end", index: 0, finishReason: "stop" }, { type: "usage", usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }];
};
const says = (text: string) => () => echo({ messages: [{ role: "user", content: text }] });

function setup(guardrails?: GuardrailSettings) {
  const cloud = new Scripted("openai");
  const local = new Scripted("local");
  const routing: GatewaySettings = { ...EMPTY_SETTINGS, guardrails };
  const gateway = new Gateway({} as LocalProvider, { openai: cloud, local }, {} as Settings, new KeyStore({}), routing);
  return { gateway, cloud, local };
}

const ctx = (): RequestContext => ({ signal: new AbortController().signal, requestId: "r1", priority: null });
const hints = (config: TargetConfig | null, extra: Partial<RoutingHints> = {}): RoutingHints => ({ ...NO_HINTS, config: config && parseConfig(config, "config"), ...extra });
const chatReq = (content: string, extra: Record<string, unknown> = {}) => parseBody(chatCompletionRequestSchema, { model: "m", messages: [{ role: "user", content }], ...extra });
const openai = (extra: Record<string, unknown> = {}): TargetConfig => ({ provider: "openai", api_key: "k", override_params: { model: "gpt" }, ...extra });

async function run(gateway: Gateway, req: ChatCompletionRequest, h: RoutingHints) {
  const record = openRecord("r1", "/v1/chat/completions");
  const gen = await gateway.chat(req, record, ctx(), h);
  const events: ChatEvent[] = [];
  for await (const e of gen.events) events.push(e);
  const text = events.flatMap((e) => (e.type === "text" ? [e.text] : [])).join("");
  return { record, events, text, provider: gen.provider };
}
const fails = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof FaroError, String(err));
    return err;
  }
  assert.fail("expected an error");
};
const json = (record: RequestRecord) => JSON.stringify(record.guardrails);

describe("PII per target", () => {
  test("a cloud target gets placeholders (the same value the same placeholder), the answer keeps them unless restore is on", async () => {
    const { gateway, cloud } = setup();
    const req = parseBody(chatCompletionRequestSchema, {
      model: "m",
      messages: [
        { role: "system", content: `Support for ${EMAIL}` },
        { role: "user", content: [{ type: "text", text: `I am ${EMAIL}, card ${CARD}` }] },
        { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "lookup", arguments: JSON.stringify({ email: EMAIL }) } }] },
        { role: "tool", tool_call_id: "c1", content: `found ${EMAIL} at 192.168.1.20` },
        { role: "user", content: `mail ${EMAIL} please` },
      ],
    });
    const { text, record } = await run(gateway, req, hints(openai()));
    const sent = JSON.stringify(cloud.sent[0]);
    assert.ok(!sent.includes(EMAIL) && !sent.includes(CARD) && !sent.includes("192.168.1.20"), sent);
    const msgs = cloud.sent[0]!.messages as Array<Record<string, unknown>>;
    assert.equal(msgs[0]!.content, "Support for [EMAIL_1]");
    assert.deepEqual(msgs[1]!.content, [{ type: "text", text: "I am [EMAIL_1], card [CREDIT_CARD_1]" }]);
    assert.deepEqual(JSON.parse((msgs[2]!.tool_calls as Array<{ function: { arguments: string } }>)[0]!.function.arguments), { email: "[EMAIL_1]" });
    assert.equal(msgs[3]!.content, "found [EMAIL_1] at [IPV4_1]");
    assert.equal(text, "mail [EMAIL_1] please");
    assert.deepEqual(record.guardrails, [{ check: "pii", stage: "input", verdict: "redacted", detail: { provider: "openai", mode: "redact", types: { email: 5, credit_card: 1, ipv4: 1 } } }]);
    assert.ok(!json(record).includes("ana.garcia"));
    assert.equal((req.messages[0] as { content: string }).content, `Support for ${EMAIL}`, "the caller's request is not changed");
  });

  test("restore puts values back, even when a placeholder arrives split across chunks", async () => {
    const { gateway } = setup();
    const { text, events } = await run(gateway, chatReq(`to ${EMAIL} and card ${CARD} ok`), hints(openai({ guardrails: { restore: true } })));
    assert.equal(text, `to ${EMAIL} and card ${CARD} ok`);
    assert.ok(events.filter((e) => e.type === "text").length > 5, "still streamed in pieces");
  });

  test("restore also fixes tool-call arguments (as JSON) and streamed deltas", async () => {
    const { gateway, cloud } = setup();
    cloud.script.push(() => [
      { type: "tool_call_delta", index: 0, callIndex: 0, id: "c1", name: "send", arguments: '{"to":"[EMA' },
      { type: "tool_call_delta", index: 0, callIndex: 0, arguments: 'IL_1]"}' },
      { type: "choice_end", index: 0, finishReason: "tool_calls" },
      { type: "usage", usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } },
    ]);
    const { events } = await run(gateway, chatReq(`write "${EMAIL}"`), hints(openai({ guardrails: { restore: true } })));
    const deltas = events.filter((e) => e.type === "tool_call_delta") as Array<{ arguments: string; id?: string }>;
    assert.equal(deltas[0]!.id, "c1");
    assert.equal(JSON.parse(deltas.map((d) => d.arguments).join("")).to, EMAIL);
  });

  test("block answers 400 pii_detected naming types, not values, and nothing is sent", async () => {
    const { gateway, cloud } = setup({ pii: { openai: "block" } });
    const record = openRecord("r1", "/v1/chat/completions");
    const err = await fails(gateway.chat(chatReq(`card ${CARD}, mail ${EMAIL}`), record, ctx(), hints(openai())));
    assert.equal(err.status, 400);
    assert.equal(err.code, "pii_detected");
    assert.match(err.message, /1 email, 1 credit_card|1 credit_card, 1 email/);
    assert.ok(!err.message.includes(EMAIL) && !err.message.includes("4111"));
    assert.equal(cloud.sent.length, 0);
    assert.equal(record.guardrails[0]!.verdict, "blocked");
  });

  test("local is not redacted by default; x-faro-pii overrides every target", async () => {
    const { gateway, local } = setup();
    await run(gateway, chatReq(`mail ${EMAIL}`), hints({ provider: "local", override_params: { model: "tiny" } }));
    assert.equal(lastUser(local.sent[0]!), `mail ${EMAIL}`);
    await run(gateway, chatReq(`mail ${EMAIL}`), hints({ provider: "local", override_params: { model: "tiny" } }, { guardrails: { pii: "redact", restore: null } }));
    assert.equal(lastUser(local.sent[1]!), "mail [EMAIL_1]");
    const other = setup();
    await run(other.gateway, chatReq(`mail ${EMAIL}`), hints(openai(), { guardrails: { pii: "off", restore: null } }));
    assert.equal(lastUser(other.cloud.sent[0]!), `mail ${EMAIL}`);
  });

  test("a fallback from cloud to local applies each target's mode", async () => {
    const { gateway, cloud, local } = setup();
    cloud.script.push(503);
    const config = { strategy: { mode: "fallback" as const }, targets: [openai(), { provider: "local", override_params: { model: "tiny" } }] };
    const { provider, record, text } = await run(gateway, chatReq(`mail ${EMAIL}`), hints(config));
    assert.equal(provider, "local");
    assert.equal(lastUser(cloud.sent[0]!), "mail [EMAIL_1]");
    assert.equal(lastUser(local.sent[0]!), `mail ${EMAIL}`);
    assert.equal(text, `mail ${EMAIL}`);
    assert.deepEqual(record.guardrails.map((v) => [v.verdict, v.detail?.provider]), [["redacted", "openai"]]);
  });

  test("block on the cloud target falls back to local, which keeps the data on the machine", async () => {
    const { gateway, cloud, local } = setup({ pii: "block" });
    const config = { strategy: { mode: "fallback" as const }, targets: [openai(), { provider: "local", override_params: { model: "tiny" }, guardrails: { pii: "off" as const } }] };
    const { provider } = await run(gateway, chatReq(`card ${CARD}`), hints(config));
    assert.equal(provider, "local");
    assert.equal(cloud.sent.length, 0);
    assert.equal(lastUser(local.sent[0]!), `card ${CARD}`);
  });

  test("embeddings input is redacted too", async () => {
    const { gateway, cloud } = setup();
    const record = openRecord("r1", "/v1/embeddings");
    await gateway.embed({ model: "m", input: [`mail ${EMAIL}`, "plain"] }, record, ctx(), hints(openai()));
    assert.deepEqual(cloud.sent[0]!.input, ["mail [EMAIL_1]", "plain"]);
  });

  test("a prompt of token ids, which no PII check can read, is refused for a guarded cloud target and goes as is to local", async () => {
    const { gateway, cloud, local } = setup();
    const req = parseBody(completionRequestSchema, { model: "m", prompt: [[40, 1093, 264]] });
    const err = await fails(gateway.complete(req, openRecord("r1", "/v1/completions"), ctx(), hints(openai())));
    assert.equal(err.status, 400);
    assert.equal(err.param, "prompt");
    assert.match(err.message, /token ids cannot be checked for personal data.*'openai'/);
    assert.equal(cloud.sent.length, 0);
    const gen = await gateway.complete(req, openRecord("r2", "/v1/completions"), ctx(), hints({ provider: "local", override_params: { model: "tiny" } }));
    for await (const _ of gen.events) void _;
    assert.deepEqual(local.sent[0]!.prompt, [[40, 1093, 264]]);
  });
});

describe("output guardrails", () => {
  const schema = { type: "object", properties: { n: { type: "number" } }, required: ["n"], additionalProperties: false };
  const rf = { response_format: { type: "json_schema", json_schema: { name: "x", schema } } };

  test("a JSON Schema failure is retried on the same target, then passes", async () => {
    const { gateway, cloud } = setup();
    cloud.script.push(says('{"n": "seven"}'), says('{"n": 7}'));
    const { text, record } = await run(gateway, chatReq("count", rf), hints(openai({ guardrails: { output: { json_schema: true, on_fail: "retry", retries: 2 } } })));
    assert.equal(text, '{"n": 7}');
    assert.equal(cloud.sent.length, 2);
    assert.deepEqual(record.guardrails.filter((v) => v.stage === "output").map((v) => [v.check, v.verdict, v.detail?.attempt]), [["json_schema", "failed", 1], ["json_schema", "pass", 2]]);
    assert.ok(!json(record).includes("seven"));
  });

  test("on_fail fallback tries the next target; on_fail error stops there with 422", async () => {
    const a = setup();
    a.cloud.script.push(says("not json"));
    const config = (onFail: "fallback" | "error") => ({
      strategy: { mode: "fallback" as const },
      guardrails: { output: { json_schema: true, on_fail: onFail } },
      targets: [openai(), { provider: "local", override_params: { model: "tiny" } }],
    });
    a.local.script.push(says('{"n": 1}'));
    const ok = await run(a.gateway, chatReq("count", rf), hints(config("fallback")));
    assert.equal(ok.provider, "local");
    const b = setup();
    b.cloud.script.push(says("not json"));
    const err = await fails(b.gateway.chat(chatReq("count", rf), openRecord("r", "/"), ctx(), hints(config("error"))));
    assert.equal(err.status, 422);
    assert.equal(err.code, "output_guardrail_failed");
    assert.match(err.message, /json_schema: the answer is not valid JSON/);
    assert.equal(b.local.sent.length, 0);
  });

  test("regex and deny-word checks; reasons never quote the answer", async () => {
    const { gateway, cloud } = setup();
    cloud.script.push(says("the password is hunter2"));
    const output = { must_match: ["^the"], must_not_match: ["hunter\\d"], deny_words: ["Password"] };
    const record = openRecord("r", "/");
    const err = await fails(gateway.chat(chatReq("x"), record, ctx(), hints(openai({ guardrails: { output } }))).then(async (g) => {
      for await (const _ of g.events);
    }));
    assert.equal(err.status, 422);
    assert.deepEqual(record.guardrails.filter((v) => v.stage === "output").map((v) => [v.check, v.verdict]), [["regex", "pass"], ["regex", "failed"], ["words", "failed"]]);
    assert.ok(!err.message.includes("hunter2") && !json(record).includes("hunter2"));
  });

  test("checks run on the restored answer, and a streamed answer is buffered until they pass", async () => {
    const { gateway } = setup();
    const { text, events } = await run(gateway, chatReq(`mail ${EMAIL}`), hints(openai({ guardrails: { restore: true, output: { must_match: ["@empresa\\.es"] } } })));
    assert.equal(text, `mail ${EMAIL}`);
    assert.equal(events.at(-1)!.type, "usage");
  });
});

describe("config validation", () => {
  test("bad modes, types and regexes are 400s naming the place", () => {
    assert.throws(() => parseConfig({ provider: "openai", guardrails: { pii: "maybe" } }, "x-faro-config"), (e: unknown) => e instanceof FaroError && e.status === 400 && /guardrails\.pii/.test(e.param ?? ""));
    assert.throws(() => parseConfig({ provider: "openai", guardrails: { output: { must_match: ["("] } } }, "x-faro-config"), /not a valid regular expression/);
    assert.throws(() => parseConfig({ provider: "openai", guardrails: { pii_types: ["passport"] } }, "x-faro-config"), FaroError);
  });
});
