/**
 * Chat generation on one context sequence with node-llama-cpp's stateless LlamaChat: `n`
 * answers, JSON output by grammar, tools (auto: the model's own function calling; required or
 * named: forced by grammar), thoughts as reasoning, log probabilities of the answer's tokens when
 * asked for (logprobs.ts), usage counted by the sequence's meter.
 */
import { randomUUID } from "node:crypto";
import type { ChatModelFunctions, LlamaChatResponse, LlamaChatResponseChunk, LlamaContextSequence, LlamaGrammar, Token } from "node-llama-cpp";
import { HeldTokens } from "./heldTokens";
import type { LoadedModel } from "./loadedModel";
import { CONTEXT_TOKENS, LogprobRecorder } from "./logprobs";
import { CONTEXT_SHIFT_SIZE, samplingOptions, tokenBiasFor, tokenBudget } from "./sampling";
import type { FinishReason, GenerateEvent, GenerateRequest, ToolCall, ToolSpec } from "./types";

export async function generate(
  loaded: LoadedModel,
  sequence: LlamaContextSequence,
  req: GenerateRequest,
  signal: AbortSignal,
  emit: (e: GenerateEvent) => void,
): Promise<void> {
  const { LlamaChat } = await import("node-llama-cpp");
  const recorder = req.logprobs === null ? null : new LogprobRecorder(loaded.model, req.logprobs, req.temperature);
  const held = new HeldTokens();
  const chat = new LlamaChat({ contextSequence: held.wrap(recorder ? recorder.wrap(sequence) : sequence), chatWrapper: loaded.chatWrapper, autoDisposeSequence: false });
  try {
    const forcedTools = forced(req);
    const functions = !forcedTools && req.toolChoice.type === "auto" && req.tools.length ? toFunctions(req.tools) : undefined;
    const grammar = forcedTools ? await loaded.grammars.forTools(forcedTools) : await loaded.grammars.forFormat(req.format);
    const promptTokens = chat.chatWrapper
      .generateContextState({ chatHistory: req.history, availableFunctions: functions })
      .contextText.tokenize(loaded.model.tokenizer).length;
    const maxTokens = tokenBudget(sequence.contextSize, promptTokens, req);
    const tokenBias = await tokenBiasFor(loaded.model, req.logitBias);
    const outputBefore = sequence.tokenMeter.usedOutputTokens;

    for (let index = 0; index < req.n && !signal.aborted; index++) {
      recorder?.reset();
      held.reset();
      let thought = false;
      let last: readonly Token[] = [];
      const report = (tokens: Token[], text: string, isThought: boolean) => {
        held.reported(tokens);
        if (tokens.length) last = tokens;
        // Taken even when not reported (thoughts), so that later tokens line up with their own steps.
        const logprobs = recorder?.take(tokens);
        if (!text) return;
        thought = isThought;
        if (thought) emit({ type: "reasoning", index, text });
        else if (!forcedTools) emit({ type: "text", index, text, ...(logprobs ? { logprobs } : {}) });
      };
      const onResponseChunk = (chunk: LlamaChatResponseChunk) =>
        report(chunk.tokens, chunk.text, chunk.type === "segment" && chunk.segmentType === "thought");
      const response = await chat.generateResponse(req.history, {
        signal,
        stopOnAbortSignal: true,
        maxTokens,
        contextShift: { size: CONTEXT_SHIFT_SIZE },
        ...samplingOptions(req, index, tokenBias),
        onResponseChunk,
        ...(grammar ? { grammar: grammar as LlamaGrammar } : functions ? { functions } : {}),
      });
      const reason = finishReason(response, signal);
      // Cut inside a character (or a possible stop trigger), LlamaChat drops the tokens it held
      // back; they were generated and counted, so the answer ends with them, as OpenAI's does.
      const tail = reason === "length" && !forcedTools && !response.functionCalls?.length ? held.held() : [];
      if (tail.length) report(tail, loaded.model.detokenize(tail, false, last.slice(-CONTEXT_TOKENS)), thought);
      if (forcedTools) {
        emit({ type: "tool_calls", index, calls: [forcedCall(forcedTools, response.response)] });
        emit({ type: "choice_end", index, finishReason: reason === "stop" ? "tool_calls" : reason });
      } else if (response.functionCalls?.length) {
        const calls = response.functionCalls.map((c) => ({ id: callId(), name: c.functionName, arguments: JSON.stringify(c.params ?? {}) }));
        emit({ type: "tool_calls", index, calls });
        emit({ type: "choice_end", index, finishReason: "tool_calls" });
      } else emit({ type: "choice_end", index, finishReason: reason });
    }
    const completionTokens = sequence.tokenMeter.usedOutputTokens - outputBefore;
    emit({ type: "usage", usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens } });
  } finally {
    chat.dispose({ disposeSequence: false });
  }
}

/** The tools a `required` or named tool_choice forces, or null. */
function forced(req: GenerateRequest): ToolSpec[] | null {
  const choice = req.toolChoice;
  if (choice.type === "required") return req.tools;
  if (choice.type === "function") return req.tools.filter((t) => t.name === choice.name);
  return null;
}

function toFunctions(tools: readonly ToolSpec[]): ChatModelFunctions {
  return Object.fromEntries(tools.map((t) => [t.name, { description: t.description, params: t.parameters as never }]));
}

/**
 * Turns grammar-constrained output into a tool call. With several tools the grammar writes
 * `{"name": ..., "arguments": ...}` in that order; when max_tokens cut it short (finish_reason
 * "length"), the call keeps the name already written and the partial arguments text, as OpenAI
 * returns a cut-off call.
 */
export function forcedCall(tools: readonly ToolSpec[], text: string): ToolCall {
  if (tools.length === 1) return { id: callId(), name: tools[0]!.name, arguments: text.trim() };
  try {
    const parsed = JSON.parse(text) as { name: string; arguments: unknown };
    return { id: callId(), name: parsed.name, arguments: JSON.stringify(parsed.arguments) };
  } catch {
    // Tool names are letters, digits, _ and - (OpenAI's rule): no escapes to undo.
    const head = /^\s*\{\s*"name"\s*:\s*"([^"]*)("?)/.exec(text);
    const written = head?.[1] ?? "";
    // A name cut mid-way becomes the first tool it can still be (the grammar allows no other).
    const tool = tools.find((t) => (head?.[2] ? t.name === written : t.name.startsWith(written))) ?? tools[0]!;
    const args = /"arguments"\s*:\s*/.exec(text);
    return { id: callId(), name: tool.name, arguments: args ? text.slice(args.index + args[0].length) : "" };
  }
}

function callId(): string {
  return `call_${randomUUID().replaceAll("-", "").slice(0, 24)}`;
}

function finishReason(response: Pick<LlamaChatResponse, "metadata">, signal: AbortSignal): FinishReason {
  if (signal.aborted || response.metadata.stopReason === "abort") return "abort";
  return response.metadata.stopReason === "maxTokens" ? "length" : "stop";
}
