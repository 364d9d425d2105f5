/**
 * Conditional routing queries, as Portkey writes them: `{"metadata.plan": {"$eq": "pro"}}`,
 * `{"params.model": {"$in": [...]}}`, combined with `$and` / `$or`. Paths read the request's
 * metadata (x-portkey-metadata), params (the body) and url.pathname.
 */
import { badRequest } from "../../errors";

export interface ConditionContext {
  metadata: Record<string, unknown>;
  params: Record<string, unknown>;
  /** The request's path, e.g. /v1/embeddings. */
  url?: { pathname: string };
}

type Operator = "$eq" | "$ne" | "$gt" | "$gte" | "$lt" | "$lte" | "$in" | "$nin" | "$regex";

const OPS: Record<Operator, (actual: unknown, expected: unknown) => boolean> = {
  $eq: (a, e) => a === e,
  $ne: (a, e) => a !== e,
  $gt: (a, e) => num(a) > num(e),
  $gte: (a, e) => num(a) >= num(e),
  $lt: (a, e) => num(a) < num(e),
  $lte: (a, e) => num(a) <= num(e),
  $in: (a, e) => Array.isArray(e) && e.includes(a),
  $nin: (a, e) => Array.isArray(e) && !e.includes(a),
  $regex: (a, e) => typeof a === "string" && typeof e === "string" && safeRegex(e).test(a),
};

export function matches(query: Record<string, unknown>, ctx: ConditionContext): boolean {
  return Object.entries(query).every(([key, cond]) => {
    if (key === "$and") return list(cond, key).every((q) => matches(q, ctx));
    if (key === "$or") return list(cond, key).some((q) => matches(q, ctx));
    const actual = lookup(key, ctx);
    if (cond === null || typeof cond !== "object" || Array.isArray(cond)) return actual === cond;
    return Object.entries(cond as Record<string, unknown>).every(([op, expected]) => {
      const fn = OPS[op as Operator];
      if (!fn) throw badRequest(`Unknown operator '${op}' in a routing condition; use ${Object.keys(OPS).join(" ")} $and $or.`, "config", "invalid_config");
      return fn(actual, expected);
    });
  });
}

/**
 * Metadata values are strings (Portkey requires it), so `{"$gt": 2}` must read "3" as 3, as
 * Portkey does; anything that is not a number makes the comparison false (NaN).
 */
function num(v: unknown): number {
  if (typeof v === "number") return v;
  return typeof v === "string" && v.trim() !== "" ? Number(v) : NaN;
}

function list(value: unknown, key: string): Record<string, unknown>[] {
  const isQuery = (q: unknown) => q !== null && typeof q === "object" && !Array.isArray(q);
  if (!Array.isArray(value) || !value.every(isQuery)) throw badRequest(`'${key}' in a routing condition takes an array of queries (objects).`, "config", "invalid_config");
  return value as Record<string, unknown>[];
}

function lookup(path: string, ctx: ConditionContext): unknown {
  const [root, ...rest] = path.split(".");
  let cur: unknown = root === "metadata" ? ctx.metadata : root === "params" ? ctx.params : root === "url" ? (ctx.url ?? {}) : undefined;
  if (cur === undefined) throw badRequest(`Routing conditions read 'metadata.*', 'params.*' or 'url.pathname', not '${path}'.`, "config", "invalid_config");
  for (const seg of rest) cur = cur !== null && typeof cur === "object" ? (cur as Record<string, unknown>)[seg] : undefined;
  return cur;
}

function safeRegex(pattern: string): RegExp {
  try {
    return new RegExp(pattern);
  } catch {
    throw badRequest(`'${pattern}' is not a valid regular expression in a routing condition.`, "config", "invalid_config");
  }
}
