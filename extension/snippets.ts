/**
 * Code snippets for calling the local endpoint from the app being developed, filled with the
 * real URL and, when the endpoint wants one, its key. Pure text (no vscode import) so it is
 * unit-tested under plain Node.
 */

/**
 * `key`: what the endpoint requires. `{ value }` when Faro knows it (its own endpoint key from
 * SecretStorage) and fills it in; `{ value: null }` when the backend took a key the extension
 * cannot see (FARO_API_KEY in the backend's environment): the snippets then read that variable.
 */
export function endpointSnippets(baseUrl: string, key: { value: string | null } | null, model: string): string {
  const literal = key?.value ? JSON.stringify(key.value) : null;
  const py = key === null ? '"unused"' : (literal ?? "os.environ['FARO_API_KEY']");
  const jsKey = key === null ? '"unused"' : (literal ?? "process.env.FARO_API_KEY");
  const bearer = key?.value ? key.value : "$FARO_API_KEY";
  const auth = key === null ? "" : ` \\\n  -H "Authorization: Bearer ${bearer}"`;
  const pyImports = key !== null && literal === null ? ["import os"] : [];
  const keyLine =
    key === null
      ? "No API key is required on loopback."
      : key.value
        ? "The endpoint's key is filled in below (kept in VS Code's secret storage); keep it out of version control, e.g. read it from an environment variable in your app."
        : "This endpoint requires the key in `FARO_API_KEY`.";
  const fence = "```";
  return [
    "# Faro endpoint",
    "",
    `Base URL: \`${baseUrl}\` — any OpenAI client works; \`model\` is \`${model}\` or any id from \`${baseUrl}/models\`.`,
    keyLine,
    "",
    "## Python (openai)",
    "",
    `${fence}python`,
    ...pyImports,
    "from openai import OpenAI",
    "",
    `client = OpenAI(base_url="${baseUrl}", api_key=${py})`,
    `reply = client.chat.completions.create(model="${model}", messages=[{"role": "user", "content": "Hello"}])`,
    "print(reply.choices[0].message.content)",
    fence,
    "",
    "## JavaScript / TypeScript (openai)",
    "",
    `${fence}js`,
    'import OpenAI from "openai";',
    "",
    `const client = new OpenAI({ baseURL: "${baseUrl}", apiKey: ${jsKey} });`,
    `const stream = await client.chat.completions.create({ model: "${model}", messages: [{ role: "user", content: "Hello" }], stream: true });`,
    'for await (const chunk of stream) process.stdout.write(chunk.choices[0]?.delta.content ?? "");',
    fence,
    "",
    "## curl",
    "",
    `${fence}sh`,
    `curl ${baseUrl}/chat/completions${auth} \\`,
    `  -H 'content-type: application/json' \\`,
    `  -d '{"model": "${model}", "messages": [{"role": "user", "content": "Hello"}]}'`,
    fence,
    "",
    "## LangChain (Python)",
    "",
    `${fence}python`,
    ...pyImports,
    "from langchain_openai import ChatOpenAI",
    "",
    `llm = ChatOpenAI(base_url="${baseUrl}", api_key=${py}, model="${model}")`,
    'print(llm.invoke("Hello").content)',
    fence,
    "",
  ].join("\n");
}
