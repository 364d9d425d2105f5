/**
 * npm run eval:pii — precision and recall of each PII detector on the generated labelled sample
 * (test/fixtures/pii), as a table, then the misses (up to 10 per kind) so a regression can be
 * read, and the detection speed over the whole sample. `--size N` / `--seed N` change the sample.
 */
import { generateSample } from "../fixtures/pii/generate";
import { evaluate, table } from "../fixtures/pii/evaluate";
import { detect } from "../../server/gateway/guardrails/detectors";

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const samples = generateSample(arg("--size", 600), arg("--seed", 20261121));
const { scores, misses } = evaluate(samples);
const positives = samples.filter((s) => s.labels.length > 0).length;
console.log(`PII detector evaluation: ${samples.length} sentences (${positives} with PII, ${samples.length - positives} without), ${scores.at(-1)!.labels} labelled values\n`);
console.log(table(scores));
for (const kind of ["fp", "fn"] as const) {
  const list = misses.filter((m) => m.kind === kind);
  if (list.length === 0) continue;
  console.log(`\n${kind === "fp" ? "False positives" : "Missed"} (${list.length}${list.length > 10 ? ", first 10" : ""}):`);
  for (const m of list.slice(0, 10)) console.log(`  ${m.type.padEnd(11)} ${JSON.stringify(m.value)}  in  ${JSON.stringify(m.text)}`);
}
const chars = samples.reduce((n, s) => n + s.text.length, 0);
const t0 = performance.now();
const rounds = 20;
for (let i = 0; i < rounds; i++) for (const s of samples) detect(s.text);
const ms = performance.now() - t0;
console.log(`\nspeed: ${((chars * rounds) / 1024 / 1024 / (ms / 1000)).toFixed(1)} MiB/s, ${((ms * 1000) / (rounds * samples.length)).toFixed(1)} us per sentence (avg ${Math.round(chars / samples.length)} chars)`);
