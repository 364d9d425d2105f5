/**
 * The line Download Model's progress notification shows (server/engine/downloadText.ts, shared
 * with `faro models pull`): size, speed and time left, and where a resumed download started.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { DownloadProgress } from "../../../server/engine/downloads";
import { durationText, percentDone, progressText } from "../../../server/engine/downloadText";

const progress = (p: Partial<DownloadProgress>): DownloadProgress => ({
  id: "d1",
  fileName: "m.gguf",
  receivedBytes: 0,
  totalBytes: null,
  bytesPerSecond: 0,
  etaSeconds: null,
  resumedFrom: 0,
  ...p,
});

test("size, speed and time left in one line", () => {
  const p = progress({ receivedBytes: 12_300_000, totalBytes: 27_000_000, bytesPerSecond: 5_100_000, etaSeconds: 2.9 });
  assert.equal(progressText(p), "12.3 MB of 27.0 MB (45%) · 5.1 MB/s · 3 s left");
  assert.equal(Math.round(percentDone(p)!), 46);
});

test("a resumed download says where it resumed; a finished one says done", () => {
  assert.equal(
    progressText(progress({ receivedBytes: 600_000, totalBytes: 1_000_000, bytesPerSecond: 200_000, etaSeconds: 2, resumedFrom: 500_000 })),
    "600 KB of 1.0 MB (60%) · 200 KB/s · 2 s left · resumed at 500 KB",
  );
  assert.equal(progressText(progress({ receivedBytes: 1_000_000, totalBytes: 1_000_000, bytesPerSecond: 1_000_000, etaSeconds: 0 })), "1.0 MB of 1.0 MB (100%) · 1.0 MB/s · done");
});

test("an unknown size shows the bytes so far and no share or time left", () => {
  const p = progress({ receivedBytes: 2_500_000, bytesPerSecond: 1_000_000 });
  assert.equal(progressText(p), "2.5 MB · 1.0 MB/s");
  assert.equal(percentDone(p), null);
});

test("time left reads as seconds, minutes or hours", () => {
  assert.equal(durationText(0.2), "1 s");
  assert.equal(durationText(59), "59 s");
  assert.equal(durationText(125), "2 min 5 s");
  assert.equal(durationText(3 * 3600 + 20 * 60), "3 h 20 min");
});
