/** The editor's workspace as the language server sees it: folder roots and file URIs. */
import { fileURLToPath } from "node:url";
import type { InitializeParams } from "vscode-languageserver/node";
import { diskPartials, promptIdOf, visiblePartials } from "../prompts/workspace";
import type { PromptDocuments } from "./documents";

export class LspWorkspace {
  roots: string[] = [];

  constructor(private readonly documents: PromptDocuments) {}

  initialize(params: InitializeParams): void {
    const uris = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
    this.roots = uris.map(pathOf).filter((p): p is string => p !== null);
    if (this.roots.length === 0 && params.rootPath) this.roots = [params.rootPath];
  }

  addRoots(added: string[], removed: string[]): void {
    const gone = new Set(removed.map(pathOf));
    this.roots = [...this.roots.filter((r) => !gone.has(r)), ...added.map(pathOf).filter((p): p is string => p !== null)];
  }

  /** The prompt id of a document (its workspace-relative path without `.prompt`). */
  promptId(uri: string): string {
    const path = pathOf(uri);
    return path ? promptIdOf(path, this.roots) : uri.replace(/^.*[/:]/, "").replace(/\.prompt$/, "");
  }

  /** Partial sources for a document: open editors first (unsaved text), then disk. */
  partials(uri: string): (name: string) => string | null {
    const path = pathOf(uri);
    if (!path) return () => null;
    return diskPartials(path, this.roots, (p) => this.documents.all().find((d) => pathOf(d.uri) === p)?.text ?? null);
  }

  partialNames(uri: string): string[] {
    const path = pathOf(uri);
    return path ? visiblePartials(path, this.roots) : [];
  }
}

export function pathOf(uri: string): string | null {
  if (!uri.startsWith("file:")) return null;
  return fileURLToPath(uri);
}
