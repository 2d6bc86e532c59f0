import Ajv, { type ValidateFunction } from 'ajv';
import { describeAjvError } from './ajv-errors';
import { AwsBadRequestException } from './aws-errors';

const ajv = new Ajv({ allErrors: false, strict: false });
const compiled = new WeakMap<object, ValidateFunction>();

/**
 * Parses a JSON request body (control receives every body as bytes) and checks it against a
 * JSON Schema; either failure is a BadRequestException that says what is wrong.
 */
export function jsonBody<T>(raw: unknown, schema: object): T {
  let value: unknown = {};
  const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : typeof raw === 'string' ? raw : '';
  if (text.trim() !== '') {
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new AwsBadRequestException(`Request body is not valid JSON: ${(err as Error).message}`);
    }
  }
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  if (!validate(value)) {
    throw new AwsBadRequestException(
      `Invalid request: ${describeAjvError(validate.errors?.[0], 'body')}`,
    );
  }
  return value as T;
}

/** The raw bytes of a body (ImportRestApi, PutRestApi), or a BadRequestException when empty. */
export function rawBody(raw: unknown): Buffer {
  const buf = Buffer.isBuffer(raw) ? raw : typeof raw === 'string' ? Buffer.from(raw) : undefined;
  if (!buf || buf.length === 0) {
    throw new AwsBadRequestException('Request body is empty: expected an OpenAPI document');
  }
  return buf;
}

/** Query flags arrive as strings; AWS accepts `true`/`false`. */
export function queryBoolean(value: string | undefined, name: string): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new AwsBadRequestException(`Invalid value for ${name}: ${value} (expected true or false)`);
}
