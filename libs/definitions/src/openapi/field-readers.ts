import { childLocation, isObject, type JsonObject } from '../util/json';
import { DefinitionError } from './definition-error';

/**
 * Typed reads of extension fields with errors that name the field. Extensions are not covered
 * by the OpenAPI schemas, so every field is checked here.
 */

export function readObject(value: unknown, location: string): JsonObject {
  if (!isObject(value)) throw new DefinitionError('Expected an object', location);
  return value;
}

export function optionalString(value: unknown, location: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new DefinitionError('Expected a string', location);
  return value;
}

/** A map of strings; absent → `{}`. */
export function stringMap(value: unknown, location: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  const object = readObject(value, location);
  const out: Record<string, string> = {};
  for (const [key, entry] of Object.entries(object)) {
    if (typeof entry !== 'string') {
      throw new DefinitionError('Expected a string value', childLocation(location, key));
    }
    out[key] = entry;
  }
  return out;
}

export function stringArray(value: unknown, location: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new DefinitionError('Expected an array of strings', location);
  }
  return value;
}

/** An HTTP status code written as a string or a number; AWS allows either in extensions. */
export function statusCode(value: unknown, location: string): string {
  const code = typeof value === 'number' ? String(value) : value;
  if (typeof code !== 'string' || !/^[1-5]\d{2}$/.test(code)) {
    throw new DefinitionError(
      `Invalid status code ${JSON.stringify(value)}: expected a 3-digit HTTP status`,
      location,
    );
  }
  return code;
}

/** Case-insensitive enum value → its canonical (upper-case) spelling. */
export function enumValue<T extends string>(
  value: unknown,
  allowed: readonly T[],
  what: string,
  location: string,
): T {
  const upper = typeof value === 'string' ? value.toUpperCase() : undefined;
  const match = allowed.find((candidate) => candidate === upper);
  if (!match) {
    throw new DefinitionError(
      `Invalid ${what} ${JSON.stringify(value)}: expected one of ${allowed.join(', ')}`,
      location,
    );
  }
  return match;
}

export function integerInRange(
  value: unknown,
  min: number,
  max: number,
  what: string,
  location: string,
): number {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max) {
    throw new DefinitionError(
      `Invalid ${what} ${JSON.stringify(value)}: expected an integer from ${min} to ${max}`,
      location,
    );
  }
  return number;
}
