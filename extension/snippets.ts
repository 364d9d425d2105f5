/**
 * Code snippets for calling the local endpoint from the app being developed, filled with the
 * real URL. Pure text (no vscode import) so it is unit-tested under plain Node.
 */

export function endpointSnippets(baseUrl: string, apiKeyRequired: boolean, model: string): string {
  const key = apiKeyRequired ? "os.environ['FARO_API_KEY']" : '"unused"';
  const jsKey = apiKeyRequired ? "process.env.FARO_API_KEY" : '"unused"';
  const auth = apiKeyRequired ? ` \\\n  -H "Authorization: Bearer $FARO_API_KEY"` : "";
  const fence = "```";
  return [
    "# Faro endpoint",
    "",
    `Base URL: \`${baseUrl}\` — any OpenAI client works; \`model\` is \`${model}\` or any id from \`${baseUrl}/models\`.`,
    apiKeyRequired ? "This endpoint requires the key in `FARO_API_KEY`." : "No API key is required on loopback.",
    "",
    "## Python (openai)",
    "",
    `${fence}python`,
    ...(apiKeyRequired ? ["import os"] : []),
    "from openai import OpenAI",
    "",
    `client = OpenAI(base_url="${baseUrl}", api_key=${key})`,
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
    ...(apiKeyRequired ? ["import os"] : []),
    "from langchain_openai import ChatOpenAI",
    "",
    `llm = ChatOpenAI(base_url="${baseUrl}", api_key=${key}, model="${model}")`,
    'print(llm.invoke("Hello").content)',
    fence,
    "",
  ].join("\n");
}
