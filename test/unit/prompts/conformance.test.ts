/**
 * The Dotprompt specification suite (google/dotprompt `spec/`, vendored in
 * ../shared/conformance/dotprompt-spec) run against Faro's renderer, the way the reference
 * runner (js/test/spec.test.ts) does: render, compare all but `raw` (and `input`, which
 * render drops), then renderMetadata, compare all but `messages`.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { parse } from "yaml";
import { createDotprompt } from "../../../server/prompts/render";

const SPEC_DIR = resolve(process.env.FARO_DOTPROMPT_SPEC ?? "../shared/conformance/dotprompt-spec");

interface SpecTest {
  desc?: string;
  data?: Record<string, unknown>;
  options?: Record<string, unknown>;
  expect: Record<string, unknown>;
}
interface SpecSuite {
  name: string;
  template: string;
  data?: Record<string, unknown>;
  schemas?: Record<string, unknown>;
  tools?: Record<string, never>;
  partials?: Record<string, string>;
  resolverPartials?: Record<string, string>;
  tests: SpecTest[];
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) return yamlFiles(full);
      return name.endsWith(".yaml") ? [full] : [];
    });
}

/** vitest's toEqual ignores properties whose value is undefined; a JSON round trip does too. */
const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v ?? null));
const withDefaults = (e: Record<string, unknown>) => ({ ...e, ext: e.ext ?? {}, config: e.config ?? {}, metadata: e.metadata ?? {} });

async function runCase(s: SpecSuite, tc: SpecTest): Promise<void> {
  const dp = createDotprompt({
    schemas: s.schemas,
    tools: s.tools,
    partialResolver: (name: string) => s.resolverPartials?.[name] ?? null,
  });
  for (const [name, source] of Object.entries(s.partials ?? {})) dp.definePartial(name, source);

  const { raw, ...rendered } = await dp.render(s.template, { ...s.data, ...tc.data }, tc.options);
  const { raw: expectRaw, input: _input, ...expected } = tc.expect;
  assert.deepEqual(plain(rendered), plain(withDefaults(expected)), "render");
  if (expectRaw) assert.deepEqual(plain(raw), plain(expectRaw), "render: raw");

  const { raw: _metaRaw, ...meta } = await dp.renderMetadata(s.template, tc.options);
  const { messages: _messages, raw: _r, ...expectedMeta } = tc.expect;
  assert.deepEqual(plain(meta), plain(withDefaults(expectedMeta)), "renderMetadata");
}

if (!existsSync(SPEC_DIR)) {
  const why = `the Dotprompt spec suite is not at ${SPEC_DIR} (set FARO_DOTPROMPT_SPEC to its folder)`;
  console.log(`SKIPPED Dotprompt conformance: ${why}`);
  test("Dotprompt spec conformance", { skip: why }, () => {});
} else {
  let passed = 0;
  let total = 0;
  for (const file of yamlFiles(SPEC_DIR)) {
    const suites = parse(readFileSync(file, "utf8")) as SpecSuite[];
    describe(`spec ${relative(SPEC_DIR, file)}`, () => {
      for (const s of suites) {
        for (const tc of s.tests) {
          total++;
          test(`${s.name}: ${tc.desc ?? "should match expected output"}`, async () => {
            await runCase(s, tc);
            passed++;
          });
        }
      }
    });
  }
  after(() => {
    console.log(`Dotprompt spec conformance: ${passed}/${total} passed`);
  });
  test("the spec suite has cases", () => assert.ok(total > 0, `no cases found under ${SPEC_DIR}`));
}
