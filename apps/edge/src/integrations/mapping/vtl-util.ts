import { VtlHostObject } from './vtl-host-object';

/**
 * `$util` of API Gateway mapping templates. Semantics follow the Java functions AWS uses:
 * escapeJavaScript is Commons Lang's (quotes, slash, control and non-ASCII characters escaped),
 * urlEncode/urlDecode are java.net.URLEncoder/URLDecoder (space as `+`).
 */
class VtlUtil extends VtlHostObject {
  protected get methods(): ReadonlySet<string> {
    return UTIL_METHODS;
  }

  escapeJavaScript(value: unknown): string {
    return escapeJavaScript(stringOf(value));
  }
  parseJson(value: unknown): unknown {
    return JSON.parse(stringOf(value)) as unknown;
  }
  urlEncode(value: unknown): string {
    return encodeURIComponent(stringOf(value))
      .replace(/%20/g, '+')
      .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  }
  urlDecode(value: unknown): string {
    return decodeURIComponent(stringOf(value).replace(/\+/g, ' '));
  }
  base64Encode(value: unknown): string {
    return Buffer.from(stringOf(value), 'utf8').toString('base64');
  }
  base64Decode(value: unknown): string {
    return Buffer.from(stringOf(value), 'base64').toString('utf8');
  }
}

const UTIL_METHODS: ReadonlySet<string> = new Set([
  'escapeJavaScript',
  'parseJson',
  'urlEncode',
  'urlDecode',
  'base64Encode',
  'base64Decode',
]);

/** One shared instance; frozen so `#set($util.x = …)` in one template cannot change another's. */
export const vtlUtil: VtlHostObject = new VtlUtil();
Object.freeze(vtlUtil);

function stringOf(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  "'": "\\'",
  '\\': '\\\\',
  '/': '\\/',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

export function escapeJavaScript(input: string): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const ch = input.charAt(i);
    const code = input.charCodeAt(i);
    const short = SHORT_ESCAPES[ch];
    if (short !== undefined) out += short;
    else if (code < 0x20 || code > 0x7f)
      out += `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
    else out += ch;
  }
  return out;
}
