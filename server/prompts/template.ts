/**
 * Analysis of a prompt's Handlebars body: syntax errors with exact ranges, and what the
 * template uses (root variables, helpers, partials, blocks, role markers), each with its
 * offsets in the document. Mirrors how Handlebars compiles with Dotprompt's options
 * (knownHelpersOnly): a call with arguments to a helper it does not know fails to compile.
 */
import { KNOWN_HELPERS, parseTemplate, TemplateSyntaxError, type Ast } from "./handlebars";
import type { LineIndex, Span } from "./lineIndex";
import type { Problem } from "./problems";
import { syntaxProblem } from "./templateErrors";

export interface VariableRef extends Span {
  /** The root input variable, e.g. `user` for `{{user.name}}`. */
  name: string;
  /** The whole path as written, e.g. `user.name`. */
  path: string;
}

export interface HelperUse extends Span {
  name: string;
  block: boolean;
  known: boolean;
  node: hbs.AST.MustacheStatement | hbs.AST.BlockStatement | hbs.AST.SubExpression;
}

export interface PartialUse extends Span {
  name: string;
  /** True when the partial gets the root context (not inside each/with, no context argument). */
  atRoot: boolean;
}

export interface BlockRange extends Span {
  name: string;
  /** The opening `{{#name ...}}` tag. */
  open: Span;
}

export interface TemplateInfo {
  ast: Ast | null;
  variables: VariableRef[];
  helpers: HelperUse[];
  partials: PartialUse[];
  blocks: BlockRange[];
  problems: Problem[];
}

/** Block helpers whose body runs with a new context (`this`), so bare names are not inputs. */
const CONTEXT_HELPERS = new Set(["each", "with"]);

interface Scope {
  /** Context pushes since the root. */
  depth: number;
  /** Names from `as |x|` of enclosing blocks. */
  blockParams: string[];
}

export function analyzeTemplate(body: string, bodyOffset: number, lines: LineIndex): TemplateInfo {
  const info: TemplateInfo = { ast: null, variables: [], helpers: [], partials: [], blocks: [], problems: [] };
  const bodyLine = lines.positionAt(bodyOffset).line;
  const toOffset = (p: hbs.AST.Position) => {
    const start = lines.starts[bodyLine + p.line - 1];
    return start === undefined ? lines.text.length : Math.min(start + p.column, lines.text.length);
  };
  const spanOf = (loc: hbs.AST.SourceLocation | undefined): Span =>
    loc ? { start: toOffset(loc.start), end: Math.max(toOffset(loc.end), toOffset(loc.start)) } : { start: bodyOffset, end: bodyOffset };
  try {
    info.ast = parseTemplate(body);
  } catch (err) {
    info.problems.push(syntaxProblem(err, body, bodyOffset, lines));
    return info;
  }
  const walker = new Walker(info, spanOf);
  walker.program(info.ast, { depth: 0, blockParams: [] });
  return info;
}

class Walker {
  constructor(
    private readonly info: TemplateInfo,
    private readonly spanOf: (loc: hbs.AST.SourceLocation | undefined) => Span,
  ) {}

  program(p: hbs.AST.Program | undefined, scope: Scope): void {
    if (!p) return;
    for (const s of p.body) this.statement(s, scope);
  }

  private statement(s: hbs.AST.Statement, scope: Scope): void {
    switch (s.type) {
      case "MustacheStatement":
        this.call(s as hbs.AST.MustacheStatement, scope, false);
        return;
      case "BlockStatement":
        return this.block(s as hbs.AST.BlockStatement, scope);
      case "PartialStatement":
      case "PartialBlockStatement":
        return this.partial(s as hbs.AST.PartialStatement, scope);
      default:
        return; // ContentStatement, CommentStatement, decorators
    }
  }

  private block(b: hbs.AST.BlockStatement, scope: Scope): void {
    const name = b.path.original;
    const span = this.spanOf(b.loc);
    const helper = this.call(b, scope, true);
    this.info.blocks.push({ ...span, name, open: this.openTag(b, span) });
    const params = b.program?.blockParams ?? [];
    // A known helper like `if` keeps the context; each/with and sections over a value push one.
    const pushes = !helper || CONTEXT_HELPERS.has(name);
    const inner: Scope = { depth: scope.depth + (pushes ? 1 : 0), blockParams: [...scope.blockParams, ...params] };
    this.program(b.program, inner);
    this.program(b.inverse, scope);
  }

  /** The opening tag: from `{{#` to the first `}}` (the program starts after it). */
  private openTag(b: hbs.AST.BlockStatement, whole: Span): Span {
    const programStart = b.program?.loc ? this.spanOf(b.program.loc).start : whole.end;
    return { start: whole.start, end: Math.max(whole.start, Math.min(programStart, whole.end)) };
  }

  /** Returns whether the node is a helper call (as the compiler would classify it). */
  private call(n: hbs.AST.MustacheStatement | hbs.AST.BlockStatement | hbs.AST.SubExpression, scope: Scope, block: boolean): boolean {
    const path = n.path;
    const hasArgs = n.params.length > 0 || (n.hash?.pairs.length ?? 0) > 0 || n.type === "SubExpression";
    let isHelper = false;
    if (path.type === "PathExpression") {
      const p = path as hbs.AST.PathExpression;
      const simple = p.parts.length === 1 && !p.data && p.depth === 0 && !/^(this|\.)\b/.test(p.original);
      const blockParam = simple && scope.blockParams.includes(p.parts[0]!);
      const name = p.parts[0] ?? p.original;
      if (!blockParam && (hasArgs || (simple && KNOWN_HELPERS.has(name)))) {
        isHelper = true;
        this.info.helpers.push({ ...this.spanOf(p.loc), name, block, known: KNOWN_HELPERS.has(name), node: n });
      } else {
        this.expression(p, scope);
      }
    }
    for (const param of n.params) this.expression(param, scope);
    for (const pair of n.hash?.pairs ?? []) this.expression(pair.value, scope);
    return isHelper;
  }

  private partial(p: hbs.AST.PartialStatement, scope: Scope): void {
    // `{{> "name"}}` gives a StringLiteral, which the types do not list.
    if (p.name.type === "PathExpression" || (p.name.type as string) === "StringLiteral") {
      const name = (p.name as hbs.AST.PathExpression).original;
      const atRoot = scope.depth === 0 && p.params.length === 0;
      this.info.partials.push({ ...this.spanOf(p.name.loc), name, atRoot });
    } else {
      this.expression(p.name, scope);
    }
    for (const param of p.params) this.expression(param, scope);
    for (const pair of p.hash?.pairs ?? []) this.expression(pair.value, scope);
    if (p.type === ("PartialBlockStatement" as string)) this.program((p as unknown as hbs.AST.PartialBlockStatement).program, scope);
  }

  private expression(e: hbs.AST.Expression, scope: Scope): void {
    if (e.type === "SubExpression") {
      this.call(e as hbs.AST.SubExpression, scope, false);
      return;
    }
    if (e.type !== "PathExpression") return;
    const p = e as hbs.AST.PathExpression;
    const span = this.spanOf(p.loc);
    if (p.data) {
      // `@root.x` is the input variable x; other @-variables come from the render context.
      if (p.parts[0] === "root" && p.parts[1]) this.info.variables.push({ ...span, name: p.parts[1], path: p.parts.slice(1).join(".") });
      return;
    }
    const head = p.parts[0];
    if (head === undefined) return; // `this`, `.`
    if (p.depth === 0 && scope.blockParams.includes(head)) return;
    if (p.depth >= scope.depth) this.info.variables.push({ ...span, name: head, path: p.parts.join(".") });
  }
}

export { TemplateSyntaxError };
