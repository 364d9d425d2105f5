/**
 * The loader of deferred.ts's bundle (esbuild.mjs), so activation does not parse it (as ctx.ts
 * does for languageClient.js): a plain require keeps it in the CommonJS loader VS Code hooks to
 * provide `vscode`, and Node caches it after the first call.
 */
export const deferred = (): typeof import("./deferred") => require("./deferred.js") as typeof import("./deferred");

/** The view types of the panels a reload restores (panelSerializers.ts), without loading the panels. */
export const COMPARE_VIEW_TYPE = "faro.compare";
export const LOGS_VIEW_TYPE = "faro.logs";
