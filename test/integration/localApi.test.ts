/**
 * The rest of the local OpenAI API through the official SDK: legacy completions, embeddings,
 * JSON-schema output, tool calls (forced and in history), `n`, keep_alive, and clear refusals.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { llamaVocabulary } from "../../server/engine/gguf/llamaModel";
import { encodeTokens } from "../../server/gateway/pricing/tokenizer";
import type { Served } from "../fixtures/serve";
import { serveWithClient } from "../fixtures/serveFixture";

const MODEL = "tiny";
let server: Served;
let client: OpenAI;

before(async () => {
  ({ server, client } = await serveWithClient({ models: [{ name: MODEL }] }));
});

after(async () => {
  assert.equal(await server.stop(), 0);
});

const user = (content: string) => [{ role: "user" as const, content }];

describe("legacy completions", () => {
  test("text_completion objects, 16 tokens by default, n choices, and a stream", async () => {
    const r = await client.completions.create({ model: MODEL, prompt: "Once upon a time", seed: 1 });
    assert.equal(r.object, "text_completion");
    assert.match(r.id, /^cmpl-/);
    assert.ok(r.usage!.completion_tokens <= 16);
    if (r.choices[0]!.finish_reason === "length") assert.equal(r.usage!.completion_tokens, 16);
    const many = await client.completions.create({ model: MODEL, prompt: "Once", n: 3, max_tokens: 8, seed: 4 });
    assert.deepEqual(many.choices.map((c) => c.index), [0, 1, 2]);
    let streamed = "";
    let finish: string | null = null;
    for await (const c of await client.completions.create({ model: MODEL, prompt: "Once upon a time", seed: 1, stream: true })) {
      streamed += c.choices[0]?.text ?? "";
      finish = c.choices[0]?.finish_reason ?? finish;
    }
    assert.equal(streamed, r.choices[0]!.text);
    assert.equal(finish, r.choices[0]!.finish_reason);
  });

  test("never more than max_tokens, even when the cut falls inside a UTF-8 character; usage counts what was generated", async () => {
    // The tiny model's greedy answers to these prompts are full of lone UTF-8 bytes, which
    // node-llama-cpp holds back until the character completes: max_tokens 2 for "hello" gave 3.
    for (const prompt of ["hello", "the water"]) {
      for (let max = 1; max <= 10; max++) {
        const r = await client.completions.create({ model: MODEL, prompt, temperature: 0, max_tokens: max, logprobs: 0 });
        const { tokens } = r.choices[0]!.logprobs!;
        const at = `${JSON.stringify(prompt)}, max_tokens ${max}: ${JSON.stringify(tokens)}`;
        assert.ok(tokens!.length <= max, at);
        assert.equal(r.usage!.completion_tokens, tokens!.length, at);
        if (r.choices[0]!.finish_reason === "length") assert.equal(tokens!.length, max, at);
        const chat = await client.chat.completions.create({ model: MODEL, messages: user(prompt), temperature: 0, max_tokens: max });
        assert.ok(chat.usage!.completion_tokens <= max, `chat: ${at}`);
      }
    }
  });

  test("chat cut by max_tokens inside a UTF-8 character: the answer holds every token usage counts", async () => {
    // Same prompts as above: LlamaChat keeps a last token that ends inside a character to itself.
    for (const prompt of ["hello", "the water"]) {
      for (let max = 1; max <= 10; max++) {
        const r = await client.chat.completions.create({ model: MODEL, messages: user(prompt), temperature: 0, max_tokens: max, logprobs: true });
        const tokens = r.choices[0]!.logprobs!.content!;
        const at = `${JSON.stringify(prompt)}, max_tokens ${max}: ${JSON.stringify(tokens.map((t) => t.token))}`;
        assert.equal(r.usage!.completion_tokens, tokens.length, at);
        const bytes = Buffer.from(tokens.flatMap((t) => t.bytes ?? []));
        assert.equal(r.choices[0]!.message.content, bytes.toString("utf8"), at);
        let streamed = "";
        let count = 0;
        for await (const c of await client.chat.completions.create({ model: MODEL, messages: user(prompt), temperature: 0, max_tokens: max, stream: true, stream_options: { include_usage: true } })) {
          streamed += c.choices[0]?.delta.content ?? "";
          count = c.usage?.completion_tokens ?? count;
        }
        assert.equal(streamed, r.choices[0]!.message.content, `stream: ${at}`);
        assert.equal(count, tokens.length, `stream: ${at}`);
      }
    }
  });

  test("echo and several prompts at once are refused, naming the parameter", async () => {
    await assert.rejects(client.completions.create({ model: MODEL, prompt: "x", echo: true }), (e: unknown) => e instanceof OpenAI.BadRequestError && e.param === "echo");
    await assert.rejects(client.completions.create({ model: MODEL, prompt: ["a", "b"] }), (e: unknown) => e instanceof OpenAI.BadRequestError && e.param === "prompt");
  });

  test("a prompt of token ids (the model's own vocabulary), alone or as an array of one, is the text they spell", async () => {
    const { tokens } = llamaVocabulary(true);
    // How LlamaCompletion tokenizes "hello world" after BOS: the first word without its "▁".
    const ids = ["h", "e", "l", "l", "o", "▁world"].map((piece) => tokens.indexOf(piece));
    const body = { model: MODEL, temperature: 0, max_tokens: 6 };
    const text = await client.completions.create({ ...body, prompt: "hello world" });
    const one = await client.completions.create({ ...body, prompt: ids });
    const nested = await client.completions.create({ ...body, prompt: [ids] });
    assert.equal(one.choices[0]!.text, text.choices[0]!.text);
    assert.equal(nested.choices[0]!.text, text.choices[0]!.text);
    // Six ids after the BOS LlamaCompletion puts in front: seven tokens fed, as for the text.
    assert.equal(one.usage!.prompt_tokens, 7);
    assert.equal(text.usage!.prompt_tokens, 7);
    let streamed = "";
    for await (const c of await client.completions.create({ ...body, prompt: ids, stream: true })) streamed += c.choices[0]?.text ?? "";
    assert.equal(streamed, text.choices[0]!.text);
    await assert.rejects(client.completions.create({ ...body, prompt: [ids, ids] }), (e: unknown) => e instanceof OpenAI.BadRequestError && e.param === "prompt" && /one prompt per request/.test(e.message));
    await assert.rejects(client.completions.create({ ...body, prompt: [ids[0]!, 99_999] }), (e: unknown) => e instanceof OpenAI.BadRequestError && e.param === "prompt" && /Token id 99999 at 'prompt\[1\]'/.test(e.message));
    await assert.rejects(client.completions.create({ ...body, prompt: [1, -1] }), (e: unknown) => e instanceof OpenAI.BadRequestError && e.param === "prompt[1]");
  });

  test("a prompt longer than the context is a 400 naming 'prompt', not 'messages'", async () => {
    const prompt = "lighthouse keepers watch the sea at night ".repeat(400);
    await assert.rejects(client.completions.create({ model: MODEL, prompt, max_tokens: 5 }), (e: unknown) => {
      assert.ok(e instanceof OpenAI.BadRequestError);
      assert.equal(e.code, "context_length_exceeded");
      assert.equal(e.param, "prompt");
      assert.match(e.message, /maximum context length is 2048 tokens\. However, your prompt resulted in \d+ tokens/);
      return true;
    });
  });
});

describe("max_tokens past the context", () => {
  const refused = (param: string) => (e: unknown) => {
    assert.ok(e instanceof OpenAI.BadRequestError);
    assert.equal(e.code, "context_length_exceeded");
    assert.equal(e.param, param);
    assert.match(e.message, /This model's maximum context length is 2048 tokens\. However, you requested \d+ tokens \(\d+ in the (messages|prompt), 5000 in the completion\)/);
    return true;
  };

  test("is a 400 naming the parameter and the context length, as at OpenAI, for chat and legacy completions", async () => {
    await assert.rejects(client.completions.create({ model: MODEL, prompt: "hello", max_tokens: 5000 }), refused("max_tokens"));
    await assert.rejects(client.chat.completions.create({ model: MODEL, messages: user("hello"), max_tokens: 5000 }), refused("max_tokens"));
    await assert.rejects(client.chat.completions.create({ model: MODEL, messages: user("hello"), max_completion_tokens: 5000 }), refused("max_completion_tokens"));
    await assert.rejects(client.chat.completions.create({ model: MODEL, messages: user("hello"), max_tokens: 5000, stream: true }), refused("max_tokens"));
  });

  test("a max_tokens that exactly fills the context is served; one more is refused", async () => {
    const r = await client.completions.create({ model: MODEL, prompt: "hello", max_tokens: 1 });
    // What the model is fed: BOS, then h,e,l,l,o (LlamaCompletion's tokenization), not the one
    // token ▁hello that model.tokenize gives; counting 1 let max_tokens run 5 tokens past the context.
    assert.equal(r.usage!.prompt_tokens, 6);
    const room = 2048 - r.usage!.prompt_tokens;
    const full = await client.completions.create({ model: MODEL, prompt: "hello", max_tokens: room, temperature: 0 });
    assert.ok(full.usage!.completion_tokens <= room);
    await assert.rejects(client.completions.create({ model: MODEL, prompt: "hello", max_tokens: room + 1 }), (e: unknown) => e instanceof OpenAI.BadRequestError && e.param === "max_tokens");
  });
});

describe("a prompt near the end of the context", () => {
  // The first token's log probabilities depend on every token before it: two prompts that differ
  // only at their start answer alike only if their starts were dropped. Each is evaluated from the
  // same state (after the same short request), as the reuse of cached tokens shifts them slightly.
  const firstLogprob = async (prompt: string) => {
    await client.completions.create({ model: MODEL, prompt: "z", max_tokens: 1 });
    const r = await client.completions.create({ model: MODEL, prompt, max_tokens: 1, temperature: 0, logprobs: 0 });
    return { promptTokens: r.usage!.prompt_tokens, logprob: r.choices[0]!.logprobs!.token_logprobs![0] };
  };

  test("legacy completions read the whole prompt (LlamaCompletion kept only its last nine tenths of the context)", async () => {
    const body = ` ${"a".repeat(1990)}`;
    const hello = await firstLogprob(`hello${body}`);
    const world = await firstLogprob(`world${body}`);
    assert.ok(hello.promptTokens > 2048 * 0.9 && hello.promptTokens < 2048, `${hello.promptTokens} tokens`);
    assert.notEqual(hello.logprob, world.logprob);
  });

  test("chat reads every message of a conversation one token short of the context (LlamaChat dropped its first turns)", async () => {
    const conversation = (first: string, pad: number) => [
      { role: "user" as const, content: first },
      { role: "assistant" as const, content: "the sea" },
      { role: "user" as const, content: `tell me more ${"a".repeat(pad)}` },
    ];
    const answer = async (first: string, pad: number) => {
      await client.completions.create({ model: MODEL, prompt: "z", max_tokens: 1 });
      const r = await client.chat.completions.create({ model: MODEL, messages: conversation(first, pad), max_tokens: 1, temperature: 0, logprobs: true });
      return { promptTokens: r.usage!.prompt_tokens, logprob: r.choices[0]!.logprobs!.content![0]!.logprob };
    };
    // Each "a" after the first is one token of the tiny vocabulary.
    const probe = await answer("hello", 1000);
    const pad = 1000 + 2047 - probe.promptTokens;
    const hello = await answer("hello", pad);
    const world = await answer("world", pad);
    assert.equal(hello.promptTokens, 2047);
    assert.equal(world.promptTokens, 2047);
    assert.notEqual(hello.logprob, world.logprob);
  });
});

describe("embeddings", () => {
  test("one vector per input with the model's dimension; base64 decodes to the same floats", async () => {
    const r = await client.embeddings.create({ model: MODEL, input: ["lighthouse", "harbour"], encoding_format: "float" });
    assert.equal(r.object, "list");
    assert.equal(r.data.length, 2);
    assert.deepEqual(r.data.map((d) => d.embedding.length), [64, 64]);
    assert.notDeepEqual(r.data[0]!.embedding, r.data[1]!.embedding);
    assert.ok(r.usage.prompt_tokens > 0);
    const raw = await fetch(`${server.baseURL}/embeddings`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: MODEL, input: "lighthouse", encoding_format: "base64" }),
    });
    const b64 = ((await raw.json()) as { data: Array<{ embedding: string }> }).data[0]!.embedding;
    const bytes = Buffer.from(b64, "base64");
    const floats = [...new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4)];
    assert.equal(floats.length, 64);
    floats.forEach((x, i) => assert.ok(Math.abs(x - r.data[0]!.embedding[i]!) < 1e-6));
  });

  test("vectors are unit length, as OpenAI, llama.cpp's server and Ollama send them; the full dimensions changes nothing", async () => {
    const plain = await client.embeddings.create({ model: MODEL, input: ["lighthouse", "harbour"] });
    for (const d of plain.data) assert.ok(Math.abs(Math.hypot(...d.embedding) - 1) < 1e-6, `norm ${Math.hypot(...d.embedding)}`);
    const full = await client.embeddings.create({ model: MODEL, input: ["lighthouse", "harbour"], dimensions: 64 });
    full.data.forEach((d, i) => d.embedding.forEach((x, j) => assert.ok(Math.abs(x - plain.data[i]!.embedding[j]!) < 1e-6)));
  });

  test("token ids (as LangChain's OpenAIEmbeddings sends them) embed as the text they stand for; an id the encoding lacks is a 400 naming it", async () => {
    // LangChain tokenizes with tiktoken, cl100k_base for a model name that is not OpenAI's.
    const ids = await encodeTokens("cl100k_base", "lighthouse keeper");
    const text = await client.embeddings.create({ model: MODEL, input: "lighthouse keeper" });
    const one = await client.embeddings.create({ model: MODEL, input: ids });
    const lists = await client.embeddings.create({ model: MODEL, input: [ids, await encodeTokens("cl100k_base", "harbour")] });
    assert.deepEqual(one.data[0]!.embedding, text.data[0]!.embedding);
    assert.equal(one.usage.prompt_tokens, text.usage.prompt_tokens, "counted by the model's own tokenizer, on the text");
    assert.equal(lists.data.length, 2);
    assert.deepEqual(lists.data[0]!.embedding, text.data[0]!.embedding);
    await assert.rejects(
      client.embeddings.create({ model: MODEL, input: [[1, 2], [3, 99_999_999]] }),
      (e: unknown) => e instanceof OpenAI.BadRequestError && e.param === "input[1][1]" && /Token id 99999999 at 'input\[1\]\[1\]' is not in cl100k_base/.test(e.message),
    );
  });

  test("dimensions shortens and re-normalises; too many is a 400", async () => {
    const r = await client.embeddings.create({ model: MODEL, input: "lighthouse", dimensions: 16 });
    const v = r.data[0]!.embedding;
    assert.equal(v.length, 16);
    assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-6);
    await assert.rejects(client.embeddings.create({ model: MODEL, input: "x", dimensions: 65 }), (e: unknown) => e instanceof OpenAI.BadRequestError && e.param === "dimensions");
  });
});

describe("structured output and tools", () => {
  const schema = {
    type: "object",
    properties: { sunny: { type: "boolean" }, color: { enum: ["red", "green", "blue"] } },
    required: ["sunny", "color"],
  };

  test("json_schema output parses and matches the schema", async () => {
    const r = await client.chat.completions.create({
      model: MODEL,
      messages: user("Describe the weather"),
      max_tokens: 200,
      seed: 3,
      response_format: { type: "json_schema", json_schema: { name: "weather", schema } },
    });
    assert.equal(r.choices[0]!.finish_reason, "stop");
    const value = JSON.parse(r.choices[0]!.message.content!) as { sunny: unknown; color: unknown };
    assert.equal(typeof value.sunny, "boolean");
    assert.ok(["red", "green", "blue"].includes(value.color as string));
  });

  test("a json_schema with a type JSON Schema does not have is a 400 naming where, not an answer of null", async () => {
    const bogus = { type: "object", properties: { type: { type: "string" }, when: { anyOf: [{ type: "string" }, { type: "date" }] } } };
    await assert.rejects(
      client.chat.completions.create({ model: MODEL, messages: user("x"), max_tokens: 20, response_format: { type: "json_schema", json_schema: { name: "bad", schema: bogus } } }),
      (e: unknown) => {
        assert.ok(e instanceof OpenAI.BadRequestError);
        assert.equal(e.code, "invalid_schema");
        assert.equal(e.param, "response_format.json_schema.schema");
        assert.match(e.message, /type 'date' at \/properties\/when\/anyOf\/1/);
        return true;
      },
    );
    await assert.rejects(client.chat.completions.create({ model: MODEL, messages: user("x"), max_tokens: 20, response_format: { type: "json_schema", json_schema: { name: "bad", schema: { type: "bogus" } } } }), /type 'bogus'/);
  });

  const tools: OpenAI.ChatCompletionTool[] = [
    { type: "function", function: { name: "get_weather", description: "Weather for a city", parameters: { type: "object", properties: { city: { enum: ["Paris", "Lima"] } }, required: ["city"] } } },
    { type: "function", function: { name: "get_time", parameters: { type: "object", properties: { utc: { type: "boolean" } }, required: ["utc"] } } },
  ];

  test("a named tool_choice returns an OpenAI tool call, streamed as deltas too", async () => {
    const r = await client.chat.completions.create({
      model: MODEL, messages: user("Weather?"), tools, seed: 5, max_tokens: 100,
      tool_choice: { type: "function", function: { name: "get_weather" } },
    });
    const choice = r.choices[0]!;
    assert.equal(choice.finish_reason, "tool_calls");
    const call = choice.message.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall;
    assert.match(call.id, /^call_/);
    assert.equal(call.type, "function");
    assert.equal(call.function.name, "get_weather");
    assert.ok(["Paris", "Lima"].includes((JSON.parse(call.function.arguments) as { city: string }).city));

    const deltas: OpenAI.ChatCompletionChunk.Choice.Delta.ToolCall[] = [];
    let finish: string | null = null;
    for await (const c of await client.chat.completions.create({
      model: MODEL, messages: user("Weather?"), tools, seed: 5, max_tokens: 100, stream: true,
      tool_choice: { type: "function", function: { name: "get_weather" } },
    })) {
      deltas.push(...(c.choices[0]?.delta.tool_calls ?? []));
      finish = c.choices[0]?.finish_reason ?? finish;
    }
    assert.equal(finish, "tool_calls");
    assert.equal(deltas[0]!.function!.name, "get_weather");
    assert.equal(deltas.map((d) => d.function?.arguments ?? "").join(""), call.function.arguments);
  });

  test("tool_choice required picks one of the tools; a tool result in the history is accepted", async () => {
    const r = await client.chat.completions.create({ model: MODEL, messages: user("Help"), tools, tool_choice: "required", seed: 2, max_tokens: 100 });
    const call = r.choices[0]!.message.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall;
    assert.ok(["get_weather", "get_time"].includes(call.function.name));
    JSON.parse(call.function.arguments);
    const followUp = await client.chat.completions.create({
      model: MODEL,
      max_tokens: 5,
      messages: [
        ...user("Help"),
        { role: "assistant", content: null, tool_calls: [call] },
        { role: "tool", tool_call_id: call.id, content: '{"ok": true}' },
      ],
    });
    assert.equal(followUp.object, "chat.completion");
    await assert.rejects(
      client.chat.completions.create({ model: MODEL, messages: [...user("x"), { role: "tool", tool_call_id: "call_nope", content: "1" }] }),
      (e: unknown) => e instanceof OpenAI.BadRequestError && e.param === "messages[1].tool_call_id",
    );
  });
});

describe("other parameters", () => {
  test("n gives separate answers, each with the logprobs of its own tokens", async () => {
    const r = await client.chat.completions.create({ model: MODEL, messages: user("Hi"), n: 3, max_tokens: 12, seed: 9, logprobs: true, top_logprobs: 4 });
    assert.deepEqual(r.choices.map((c) => c.index), [0, 1, 2]);
    assert.equal(new Set(r.choices.map((c) => c.message.content)).size, 3);
    for (const c of r.choices) {
      const entries = c.logprobs!.content!;
      // A lone byte of a UTF-8 character is a token "bytes:\\xNN"; the bytes always add up to the text.
      assert.equal(Buffer.from(entries.flatMap((e) => e.bytes!)).toString("utf8"), c.message.content);
      for (const e of entries) {
        assert.ok(e.logprob < 0 && Number.isFinite(e.logprob));
        const top = e.top_logprobs.map((t) => t.logprob);
        assert.equal(top.length, 4);
        assert.deepEqual(top, [...top].sort((a, b) => b - a));
        // Random weights: a spread-out distribution, the sampled token anywhere in it (or below the top 4).
        assert.ok(top[0]! >= e.logprob && top[0]! < 0);
      }
    }
  });

  test("negative seeds are seeds like any other (OpenAI's are int64): distinct ones answer differently, and so do n answers", async () => {
    const answer = async (seed: number) => (await client.chat.completions.create({ model: MODEL, messages: user("Hi"), max_tokens: 8, seed })).choices[0]!.message.content;
    const [minusOne, minusTwo, zero, again] = [await answer(-1), await answer(-2), await answer(0), await answer(-1)];
    assert.equal(again, minusOne, "same seed, same answer");
    assert.equal(new Set([minusOne, minusTwo, zero]).size, 3, JSON.stringify([minusOne, minusTwo, zero]));
    const r = await client.chat.completions.create({ model: MODEL, messages: user("Hi"), n: 3, max_tokens: 8, seed: -2 });
    assert.equal(new Set(r.choices.map((c) => c.message.content)).size, 3);
  });

  test("logit_bias steers sampling (+100 forces a token), and unknown token ids are a 400", async () => {
    // The tiny vocabulary: <unk>, <s>, </s>, then the byte tokens <0x00>..<0xFF>; "A" is 3 + 0x41.
    const r = await client.chat.completions.create({ model: MODEL, messages: user("Hi"), max_tokens: 5, seed: 1, logit_bias: { "68": 100 } });
    assert.equal(r.choices[0]!.message.content, "AAAAA");
    const c = await client.completions.create({ model: MODEL, prompt: "x", max_tokens: 3, logit_bias: { "68": 100 } });
    assert.equal(c.choices[0]!.text, "AAA");
    await assert.rejects(
      client.chat.completions.create({ model: MODEL, messages: user("Hi"), logit_bias: { "999999": 5 } }),
      (e: unknown) => e instanceof OpenAI.BadRequestError && e.param === "logit_bias",
    );
  });

  test("top_k and min_p (llama.cpp's extras) are applied: top_k 1 or min_p 1 sample the greedy answer at any temperature", async () => {
    type Extras = { top_k?: number; min_p?: number };
    const chat = async (extra: Extras, temperature: number, seed: number) =>
      (await client.chat.completions.create({ model: MODEL, messages: user("Hi"), max_tokens: 8, temperature, seed, ...extra } as OpenAI.ChatCompletionCreateParamsNonStreaming)).choices[0]!.message.content;
    const text = async (extra: Extras, temperature: number, seed: number) =>
      (await client.completions.create({ model: MODEL, prompt: "hello", max_tokens: 8, temperature, seed, ...extra } as OpenAI.CompletionCreateParamsNonStreaming)).choices[0]!.text;
    for (const extra of [{ top_k: 1 }, { min_p: 1 }]) {
      const greedy = [await chat({}, 0, 1), await text({}, 0, 1)];
      for (const seed of [1, 2, 3]) assert.deepEqual([await chat(extra, 2, seed), await text(extra, 2, seed)], greedy, `${JSON.stringify(extra)}, seed ${seed}`);
    }
    // Without them a temperature of 2 does wander off the greedy answer.
    assert.notEqual(await chat({}, 2, 1), await chat({}, 0, 1));
  });

  test("with top_k, logprobs list only the alternatives top_k keeps", async () => {
    const r = await client.chat.completions.create({ model: MODEL, messages: user("Hi"), max_tokens: 6, temperature: 1.5, seed: 3, logprobs: true, top_logprobs: 5, top_k: 2 } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    const entries = r.choices[0]!.logprobs!.content!;
    assert.ok(entries.length > 0);
    for (const e of entries) {
      assert.ok(e.top_logprobs.length <= 2, JSON.stringify(e.top_logprobs));
      assert.ok(e.top_logprobs.some((t) => t.token === e.token));
    }
  });

  test("top_k and min_p out of range are 400s naming them", async () => {
    for (const [param, value] of [["top_k", -1], ["top_k", 1.5], ["top_k", "40"], ["min_p", 1.5], ["min_p", -0.1]] as const) {
      for (const create of [
        () => client.chat.completions.create({ model: MODEL, messages: user("Hi"), [param]: value } as OpenAI.ChatCompletionCreateParamsNonStreaming),
        () => client.completions.create({ model: MODEL, prompt: "Hi", [param]: value } as OpenAI.CompletionCreateParamsNonStreaming),
      ]) {
        await assert.rejects(create(), (e: unknown) => e instanceof OpenAI.BadRequestError && e.param === param && e.message.includes(`'${param}'`), `${param} ${value}`);
      }
    }
  });

  test("keep_alive 0 unloads the model after the request; a bad duration is a 400", async () => {
    await client.chat.completions.create({ model: MODEL, messages: user("Hi"), max_tokens: 2, keep_alive: 0 } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    const deadline = Date.now() + 5000;
    for (;;) {
      const q = (await (await fetch(`${server.baseURL}/queue`)).json()) as { models: Array<{ id: string }> };
      if (!q.models.some((m) => m.id === MODEL)) break;
      assert.ok(Date.now() < deadline, "the model is unloaded");
      await new Promise((r) => setTimeout(r, 50));
    }
    await assert.rejects(
      client.chat.completions.create({ model: MODEL, messages: user("Hi"), keep_alive: "soon" } as OpenAI.ChatCompletionCreateParamsNonStreaming),
      (e: unknown) => e instanceof OpenAI.BadRequestError && e.param === "keep_alive",
    );
  });
});
