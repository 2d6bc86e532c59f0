export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Dotted location for errors: `paths./pets.get`, as people read it, not a JSON pointer. */
export function childLocation(parent: string | undefined, key: string | number): string {
  return parent ? `${parent}.${key}` : String(key);
}

/**
 * True when objects and arrays nest more than `max` levels. Iterative, so a hostile document
 * cannot overflow the stack here; a cyclic object counts as too deep.
 */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > max) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}
