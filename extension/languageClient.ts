/**
 * The language-client half of the extension, bundled on its own (dist/extension/languageClient.js)
 * and loaded when the backend first starts: vscode-languageclient is most of the extension's
 * code, and activation should not parse it.
 */
export { createClient } from "./client";
export { crashHandler } from "./crashHandler";
