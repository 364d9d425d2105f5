/**
 * The webviews in a narrow window: the Logs dashboard and the Compare view must fit the width
 * of their panel (a table may scroll sideways inside its own box), never make the whole page
 * scroll sideways with the filters, charts or columns cut off at the right edge.
 */
import assert from "node:assert/strict";
import type { Frame } from "playwright-core";
import type { Step, Workbench } from "./workbench";

/** The panel's width and what reaches past it (elements inside a sideways-scrolling box excepted). */
function overflow(view: Frame): Promise<{ width: number; scrollWidth: number; past: string[] }> {
  return view.locator("body").evaluate(() => {
    const width = document.documentElement.clientWidth;
    // No named functions in here: the test runner's transform would wrap them in a helper the page lacks.
    const past = Array.from(document.querySelectorAll("body *"))
      .filter((e) => e.closest(".table-scroll") === null && e.getBoundingClientRect().right > width + 1)
      .map((e) => `${e.tagName.toLowerCase()}.${e.getAttribute("class") ?? ""} (right edge ${Math.round(e.getBoundingClientRect().right)})`);
    return { width, scrollWidth: document.documentElement.scrollWidth, past: past.slice(0, 8) };
  });
}

async function assertFits(view: Frame, what: string, narrowerThan: number): Promise<void> {
  const o = await overflow(view);
  assert.ok(o.width < narrowerThan, `precondition: the ${what} panel is ${o.width} px wide, not narrower than ${narrowerThan} px`);
  assert.deepEqual(o.past, [], `${what}: elements past the panel's ${o.width} px`);
  assert.ok(o.scrollWidth <= o.width, `${what}: the page scrolls sideways (${o.scrollWidth} px in ${o.width} px)`);
}

/** Runs with the Logs dashboard holding requests and a comparison of two models already made. */
export function narrowPanelSteps(step: Step, wb: () => Workbench): void {
  step("In a narrow window the Logs and Compare panels fit their width: nothing makes the page scroll sideways", "6d-narrow.png", async () => {
    const { page } = wb();
    const size = page.viewportSize()!;
    await page.setViewportSize({ width: 700, height: size.height });
    try {
      await wb().command("Faro: Open Logs Dashboard");
      const logs = await wb().webviewTitled("Faro: Logs");
      await logs.locator("tbody tr[data-id]").first().waitFor();
      await logs.locator("figure svg").nth(4).waitFor();
      // One chart (420 px wide at most) is wider than the panel: it must shrink to fit.
      await assertFits(logs, "Logs", 420);
      await wb().screenshot("6d-narrow-logs.png");
      // A text editor in front, so the palette's key binding reaches the workbench.
      await wb().openFile("hello.prompt");
      await wb().command("Faro: Compare Models");
      const compare = await wb().webviewTitled("Faro: Compare");
      // The comparison made by the steps before is still shown.
      await compare.locator("article.column").nth(1).waitFor();
      // A column's minimum is 260 px: in a narrower panel, one column fills it.
      await assertFits(compare, "Compare", 260);
      await wb().screenshot("6d-narrow.png");
    } finally {
      await page.setViewportSize(size);
    }
  });
}
