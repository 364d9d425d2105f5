/**
 * The page every Faro webview starts from: a strict CSP (nothing but the extension's own
 * dist/webview files, scripts only with a fresh nonce), its stylesheet, its script, an #app root.
 */
import { randomBytes } from "node:crypto";
import vscode = require("vscode");

export interface WebviewPage {
  title: string;
  /** File names under `root` (dist/webview). */
  css: string;
  js: string;
}

export function webviewHtml(webview: vscode.Webview, root: vscode.Uri, page: WebviewPage): string {
  const nonce = randomBytes(16).toString("base64");
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `img-src ${webview.cspSource}`,
  ].join("; ");
  const css = webview.asWebviewUri(vscode.Uri.joinPath(root, page.css));
  const js = webview.asWebviewUri(vscode.Uri.joinPath(root, page.js));
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${css}">
<title>${page.title}</title>
</head>
<body>
<main id="app"></main>
<script nonce="${nonce}" src="${js}"></script>
</body>
</html>`;
}
