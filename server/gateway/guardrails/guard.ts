/**
 * One request's guardrails, applied per target inside the routing executor (a fallback from a
 * cloud provider to the local model changes the PII mode): redact or block what leaves, put the
 * placeholders back into the answer, run the output checks with their retry / fallback / error
 * policy, and log every verdict (types and counts, never the values) in the request record.
 */
import { FaroError } from "../../errors";
import type { ChatEvent } from "../../providers/types";
import type { GuardrailVerdict, RequestRecord } from "../requestRecord";
import { answerTexts, checkOutput } from "./outputChecks";
import { NO_GUARDRAIL_HINTS, resolvePolicy, type GuardrailHints, type GuardrailSettings, type LeafPolicy, type TargetGuardrails } from "./policy";
import { Redactor, type PiiCounts } from "./redactor";
import { hasTokenPrompt, mapBodyText } from "./requestBodies";
import { restoreEvents } from "./restoreStream";

interface GuardedLeaf {
  target: { provider: string; model: string };
  family: string;
  guardrails?: TargetGuardrails | undefined;
}

/** A failed output check with on_fail "error": the executor must not try another target. */
export class GuardrailError extends FaroError {
  readonly final = true;
}

export class RequestGuard {
  private readonly redactors = new Map<string, Redactor>();

  constructor(
    private readonly record: RequestRecord,
    private readonly settings: GuardrailSettings | undefined,
    private readonly hints: GuardrailHints = NO_GUARDRAIL_HINTS,
  ) {}

  policy(leaf: GuardedLeaf): LeafPolicy {
    return resolvePolicy(leaf, this.settings, this.hints);
  }

  /**
   * The body to send to `leaf`: redacted (same placeholders for the same values across
   * attempts), unchanged when the mode is off, or a 400 naming the types found in block mode.
   */
  input<B extends object>(leaf: GuardedLeaf, policy: LeafPolicy, body: B): B {
    if (policy.pii === "off") return body;
    const provider = leaf.target.provider;
    if (hasTokenPrompt(body)) {
      throw new FaroError(
        `A prompt of token ids cannot be checked for personal data, and the PII guardrail is on for provider '${provider}'. Send the prompt as text, or turn the guardrail off for this target.`,
        { status: 400, type: "invalid_request_error", code: "unsupported_parameter", param: "prompt" },
      );
    }
    const redactor = this.redactor(policy);
    const counts: PiiCounts = {};
    if (policy.pii === "block") {
      mapBodyText(body, (t) => (redactor.scan(t, counts), t));
      const found = Object.keys(counts).length > 0;
      this.log({ check: "pii", stage: "input", verdict: found ? "blocked" : "pass", detail: { provider, mode: "block", ...(found ? { types: counts } : {}) } });
      if (found) {
        const list = Object.entries(counts).map(([type, n]) => `${n} ${type}`).join(", ");
        throw new FaroError(
          `This request contains personal data (${list}) and the PII guardrail blocks it for provider '${provider}'. Remove it, or send x-faro-pii: redact to replace it with placeholders.`,
          { status: 400, type: "invalid_request_error", code: "pii_detected", param: "messages" },
        );
      }
      return body;
    }
    const out = mapBodyText(body, (t) => redactor.redact(t, counts));
    const found = Object.keys(counts).length > 0;
    this.log({ check: "pii", stage: "input", verdict: found ? "redacted" : "pass", detail: { provider, mode: "redact", ...(found ? { types: counts } : {}) } });
    return out;
  }

  /**
   * The answer of `leaf` as the client gets it: placeholders restored when asked, and, when
   * output checks are on, buffered whole (a check on the whole answer cannot run before the last
   * token, so a streamed request then streams only after the check passed), checked, and on a
   * failure asked again, thrown to the executor to fall back, or answered as an error.
   */
  async answer(leaf: GuardedLeaf, policy: LeafPolicy, request: object, start: () => Promise<AsyncIterable<ChatEvent>>): Promise<AsyncIterable<ChatEvent>> {
    const redactor = policy.pii === "redact" && policy.restore ? this.redactors.get(policy.types.join()) : undefined;
    const restore = (events: AsyncIterable<ChatEvent>) => (redactor?.used ? restoreEvents(events, redactor) : events);
    const output = policy.output;
    if (!output) return restore(await start());
    const onFail = output.on_fail ?? "error";
    const attempts = onFail === "retry" ? 1 + (output.retries ?? 1) : 1;
    const provider = leaf.target.provider;
    for (let attempt = 1; ; attempt++) {
      const events: ChatEvent[] = [];
      for await (const e of restore(await start())) events.push(e);
      const verdicts = checkOutput(answerTexts(events), output, requestSchema(request));
      for (const v of verdicts) this.log({ ...v, detail: { ...v.detail, provider, attempt } });
      const failed = verdicts.filter((v) => v.verdict === "failed");
      if (failed.length === 0) return replay(events);
      if (attempt < attempts) continue;
      const reasons = failed.map((v) => `${v.check}: ${String(v.detail?.reason)}`).join("; ");
      const message = `The answer from provider '${provider}' failed the output guardrails (${reasons})${attempts > 1 ? ` after ${attempts} attempts` : ""}.`;
      const init = { status: 422, type: "invalid_request_error" as const, code: "output_guardrail_failed" };
      throw onFail === "error" ? new GuardrailError(message, init) : new FaroError(message, init);
    }
  }

  /**
   * Pass-through bodies: JSON ones (speech `input`, image `prompt`) are checked like any body;
   * multipart uploads (audio) are sent as they are: their text is audio, which no detector reads.
   */
  inputRaw(leaf: GuardedLeaf, policy: LeafPolicy, raw: { body: Buffer; contentType: string }): { body: Buffer; contentType: string } {
    if (policy.pii === "off" || !raw.contentType.startsWith("application/json")) return raw;
    const json = JSON.parse(raw.body.toString("utf8")) as object;
    const out = this.input(leaf, policy, json);
    return out === json ? raw : { body: Buffer.from(JSON.stringify(out)), contentType: raw.contentType };
  }

  private redactor(policy: LeafPolicy): Redactor {
    const key = policy.types.join();
    let r = this.redactors.get(key);
    if (!r) this.redactors.set(key, (r = new Redactor(policy.types)));
    return r;
  }

  private log(v: GuardrailVerdict): void {
    this.record.guardrails.push(v);
  }
}

function requestSchema(request: object): Record<string, unknown> | null {
  const rf = (request as { response_format?: { type?: string; json_schema?: { schema?: Record<string, unknown> } } | null }).response_format;
  return rf?.type === "json_schema" ? (rf.json_schema?.schema ?? null) : null;
}

async function* replay(events: readonly ChatEvent[]): AsyncIterable<ChatEvent> {
  yield* events;
}
