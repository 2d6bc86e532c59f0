export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Dotted location for errors: `paths./pets.get`, as people read it, not a JSON pointer. */
export function childLocation(parent: string | undefined, key: string | number): string {
  return parent ? `${parent}.${key}` : String(key);
}
