/**
 * Every parse cache of the prompt analysis, switched together. Off (and emptied) is the analysis
 * from scratch that the equivalence tests and bench:lsp's "before" rows compare against; a new
 * cache added to the analysis belongs here so both keep meaning "no caches".
 */
import { clearPartialCache } from "./checkTemplate";
import { clearFrontmatterCache } from "./document";
import { clearTemplateCache } from "./handlebars";
import { setTemplateSegmenting } from "./template";
import { clearPartialFiles } from "./workspace";
import { setYamlPieces } from "./yamlPieces";

export function setParseCaches(on: boolean): void {
  setYamlPieces(on);
  setTemplateSegmenting(on);
  if (on) return;
  clearFrontmatterCache();
  clearTemplateCache();
  clearPartialCache();
  clearPartialFiles();
}
