/**
 * Merging objects on the request path without an object literal that starts with a spread.
 *
 * On Node 20 (V8 11), once the code is optimized, a literal that starts with a spread and then adds
 * keys (`{ ...a, key: v }`, `{ ...a, ...b }` where b adds keys) gets a hidden class (map) of its
 * own for every object it makes: 0.5 µs per object with one spread, 3.7 µs with two, against 0.16
 * µs for Object.assign, and full GCs to collect the maps (test/bench/objectMerge.ts). Property
 * reads that meet such objects fall back to slow lookups. A literal that starts with a plain key
 * (`{ key: v, ...a }`) and one that only copies (`{ ...a }`) keep one map. The same goes for a
 * literal with an accessor before other keys: it becomes a dictionary object every time.
 *
 * Measured on the gateway (JSON chat at 50 connections, interleaved A/B): removing such literals
 * and one accessor literal from the request path took each scavenge from promoting 1.7 MB to
 * 0.02 MB, and Faro's CPU per request from 278 to 201 µs.
 *
 * Node 22 and 24 (V8 12-13) keep one map for such literals (%HaveSameMap on 22.23.3 and 24.21.0);
 * there the spread is the faster of the two, by 0.1-0.2 µs per object. `faro serve` runs on
 * whatever Node 20+ the user has, so the request path is written for Node 20.
 */

/**
 * The fields of `parts` in one new object, later parts winning: what `{ ...a, ...b }` makes.
 * Keys are set, not defined, so a `__proto__` key would set the prototype: merge Faro's own
 * objects (headers, records) with it, not a client's JSON.
 */
export function merged<A extends object, B extends object>(a: A, b: B): A & B;
export function merged<A extends object, B extends object, C extends object>(a: A, b: B, c: C): A & B & C;
export function merged<A extends object, B extends object, C extends object, D extends object>(a: A, b: B, c: C, d: D): A & B & C & D;
export function merged(...parts: object[]): object {
  return Object.assign({}, ...parts);
}
