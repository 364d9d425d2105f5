/**
 * Parsed YAML moved along the text: copies of nodes and errors whose offsets are `by` characters
 * later, for a piece parsed alone (yamlPieces.ts) placed where it lies in the whole frontmatter.
 */
import { isMap, isNode, isPair, isScalar, isSeq, Pair, Scalar, YAMLMap, YAMLSeq, type Node as YamlNode, type YAMLError } from "yaml";

/**
 * A copy of a pair and everything in it, `by` characters later. Built with the constructors
 * (yaml's own clone() copies property descriptors: most of a keystroke's time here).
 */
export function moved<T>(node: T, by: number): T {
  if (isPair(node)) return new Pair(moved(node.key, by), moved(node.value, by)) as T;
  if (!isNode(node)) return node;
  let copy: YamlNode;
  if (isScalar(node)) copy = Object.assign(new Scalar(node.value), node);
  else if (isMap(node)) copy = Object.assign(new YAMLMap(node.schema), node, { items: node.items.map((p) => moved(p, by)) });
  else if (isSeq(node)) copy = Object.assign(new YAMLSeq(node.schema), node, { items: node.items.map((i) => moved(i, by)) });
  else return shiftAll(node.clone() as T, by);
  const r = node.range;
  if (r) copy.range = [r[0] + by, r[1] + by, r[2] + by];
  return copy as T;
}

/** Moves a cloned node (a kind moved() does not build) and everything in it. */
function shiftAll<T>(node: T, by: number): T {
  if (isPair(node)) {
    shiftAll(node.key, by);
    shiftAll(node.value, by);
  } else if (isNode(node)) {
    const r = node.range;
    if (r) node.range = [r[0] + by, r[1] + by, r[2] + by];
    if (isMap(node) || isSeq(node)) for (const item of node.items) shiftAll(item, by);
  }
  return node;
}

export function movedError(e: YAMLError, by: number): YAMLError {
  const copy = Object.create(Object.getPrototypeOf(e) as object) as YAMLError;
  Object.assign(copy, e);
  copy.pos = [e.pos[0] + by, e.pos[1] + by];
  // Lines and columns counted in the piece: wrong here, and nothing reads them.
  delete copy.linePos;
  return copy;
}
