import { isValidHeaderName, isValidHeaderValue } from '../integration-errors';
import { isBinaryMediaType } from './proxy-event';

/** What a Lambda proxy integration may return; anything else is a malformed response (502). */
export interface ProxyResultV1 {
  statusCode?: number | string;
  headers?: Record<string, string | number | boolean> | null;
  multiValueHeaders?: Record<string, Array<string | number | boolean>> | null;
  body?: string | null;
  isBase64Encoded?: boolean | null;
}

export interface ConvertedProxyResult {
  statusCode: number;
  headers: Record<string, string | string[]>;
  body: Buffer | string;
}

/** What the conversion needs from the request: base64 bodies are decoded only for binary answers. */
export interface ProxyResponseContext {
  /** The client's Accept header. */
  accept: string | undefined;
  binaryMediaTypes: string[];
}

export type ProxyResultCheck =
  { ok: true; value: ConvertedProxyResult } | { ok: false; problem: string };

type HeaderValue = string | number | boolean;

const KNOWN_FIELDS = new Set([
  'statusCode',
  'headers',
  'multiValueHeaders',
  'body',
  'isBase64Encoded',
]);
const NUMERIC_STATUS = /^\s*\d{1,3}\s*$/;

/** AWS accepts numbers and booleans as header values (`'Access-Control-Allow-Credentials': true`). */
function isHeaderValue(value: unknown): value is HeaderValue {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Checks a function's result against the Lambda proxy response format of REST APIs and converts
 * it, as API Gateway does:
 * - every field is optional (statusCode defaults to 200, a missing body is empty), but a field
 *   the format does not name makes the response malformed;
 * - statusCode may be a number or a numeric string;
 * - `headers` and `multiValueHeaders` merge, multi-values winning for a name in both;
 * - a base64 body (`isBase64Encoded`) is decoded only when the client's first Accept type is one
 *   of the API's binaryMediaTypes; otherwise the client gets the base64 text;
 * - a header that cannot be written (CR/LF in a value, a space in a name) is malformed too,
 *   rather than reaching the response.
 */
export function convertProxyResult(
  result: unknown,
  request: ProxyResponseContext,
): ProxyResultCheck {
  if (!isPlainObject(result)) {
    return {
      ok: false,
      problem: `result is ${result === null ? 'null' : Array.isArray(result) ? 'an array' : typeof result}, not an object`,
    };
  }
  for (const field in result) {
    if (!KNOWN_FIELDS.has(field)) return { ok: false, problem: `unexpected field "${field}"` };
  }
  const { headers, multiValueHeaders, body, isBase64Encoded } = result;
  const statusCode = statusOf(result.statusCode);
  if (statusCode === undefined) {
    return {
      ok: false,
      problem: `statusCode must be an integer from 100 to 599, got ${JSON.stringify(result.statusCode)}`,
    };
  }
  const headerProblem = checkHeaders(headers, multiValueHeaders);
  if (headerProblem) return { ok: false, problem: headerProblem };
  if (body !== undefined && body !== null && typeof body !== 'string') {
    return {
      ok: false,
      problem: `body must be a string, got ${Array.isArray(body) ? 'array' : typeof body}`,
    };
  }
  if (
    isBase64Encoded !== undefined &&
    isBase64Encoded !== null &&
    typeof isBase64Encoded !== 'boolean'
  ) {
    return {
      ok: false,
      problem: `isBase64Encoded must be a boolean, got ${typeof isBase64Encoded}`,
    };
  }

  const merged: Record<string, string | string[]> = {};
  const singles = (headers ?? {}) as Record<string, HeaderValue>;
  const multis = (multiValueHeaders ?? {}) as Record<string, HeaderValue[]>;
  const multiNames = new Set(Object.keys(multis).map((name) => name.toLowerCase()));
  for (const [name, value] of Object.entries(singles)) {
    if (!multiNames.has(name.toLowerCase())) merged[name] = String(value);
  }
  for (const [name, values] of Object.entries(multis)) {
    if (values.length === 0) continue;
    merged[name] = values.length === 1 ? String(values[0]) : values.map(String);
  }
  const text = (body as string | null | undefined) ?? '';
  const decode =
    isBase64Encoded === true &&
    isBinaryMediaType(firstAccepted(request.accept), request.binaryMediaTypes);
  return {
    ok: true,
    value: { statusCode, headers: merged, body: decode ? Buffer.from(text, 'base64') : text },
  };
}

function statusOf(value: unknown): number | undefined {
  if (value === undefined || value === null) return 200;
  const code =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && NUMERIC_STATUS.test(value)
        ? Number(value)
        : NaN;
  return Number.isInteger(code) && code >= 100 && code <= 599 ? code : undefined;
}

function checkHeaders(headers: unknown, multiValueHeaders: unknown): string | undefined {
  if (headers !== undefined && headers !== null) {
    if (!isPlainObject(headers)) return 'headers must be an object of strings';
    for (const [name, value] of Object.entries(headers)) {
      if (!isHeaderValue(value)) return `headers.${name} must be a string`;
      const problem = writable(name, [value]);
      if (problem) return problem;
    }
  }
  if (multiValueHeaders !== undefined && multiValueHeaders !== null) {
    if (!isPlainObject(multiValueHeaders)) {
      return 'multiValueHeaders must be an object of string arrays';
    }
    for (const [name, values] of Object.entries(multiValueHeaders)) {
      if (!Array.isArray(values) || !values.every(isHeaderValue)) {
        return `multiValueHeaders.${name} must be an array of strings`;
      }
      const problem = writable(name, values);
      if (problem) return problem;
    }
  }
  return undefined;
}

function writable(name: string, values: HeaderValue[]): string | undefined {
  if (!isValidHeaderName(name)) return `header name ${JSON.stringify(name)} is not a valid token`;
  for (const value of values) {
    if (typeof value === 'string' && !isValidHeaderValue(value)) {
      return `header ${name} has a value with characters a header cannot carry (CR, LF or other controls)`;
    }
  }
  return undefined;
}

/** The first media type of an Accept header, which is what API Gateway looks at. */
function firstAccepted(accept: string | undefined): string | undefined {
  if (!accept) return undefined;
  const comma = accept.indexOf(',');
  return comma === -1 ? accept : accept.slice(0, comma);
}
