/**
 * The bench's upstream: the project's OpenAI mock in its own process (so the load generator
 * and the gateways do not share its event loop), without request recording. Prints its URL.
 */
import { startOpenAIMock } from "../fixtures/mocks/openai";

startOpenAIMock({ record: false, apiKey: null }).then(
  (mock) => {
    process.stdout.write(`${mock.url}\n`);
    process.on("SIGTERM", () => void mock.close().then(() => process.exit(0)));
  },
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
