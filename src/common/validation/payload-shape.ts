/** Deeper than any body of this API needs; deep enough payloads would exhaust the stack later. */
export const MAX_PAYLOAD_DEPTH = 16;

/** Keys that class-transformer drops silently instead of letting the whitelist refuse them. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

interface Pending {
  node: unknown;
  depth: number;
  /** The top-level property the node sits under, for the message. */
  field: string | null;
}

/**
 * Walks the payload without recursion and returns the first problem: nesting past the limit, or a
 * key that could reach an object's prototype. Null when the shape is fine.
 */
export function payloadShapeProblem(value: unknown): string | null {
  const pending: Pending[] = [{ node: value, depth: 0, field: null }];
  while (pending.length > 0) {
    const { node, depth, field } = pending.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth >= MAX_PAYLOAD_DEPTH) {
      return `${field ?? 'the body'} is nested deeper than ${MAX_PAYLOAD_DEPTH} levels`;
    }
    for (const key of Object.keys(node)) {
      if (FORBIDDEN_KEYS.has(key)) return `property ${key} should not exist`;
      const child = (node as Record<string, unknown>)[key];
      pending.push({ node: child, depth: depth + 1, field: field ?? key });
    }
  }
  return null;
}
