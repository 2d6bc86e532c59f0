/**
 * Request paths are normalised once, here, before anything looks at them: every later step
 * (stage resolution, routing, forwarding) works on the same decoded segments, so the path that
 * is matched is the path that is forwarded.
 *
 * - Each segment is percent-decoded exactly once: `%2F` stays inside its segment (it is data,
 *   never a separator) and `%252F` becomes the text `%2F`, not a slash.
 * - Empty segments (`//`) and `.` segments are dropped; `..` is resolved by
 *   {@link resolveDotSegments} inside the part of the path below the stage or base path, so it
 *   can never climb into another stage or API.
 * - Malformed percent-encoding, bytes that are not UTF-8 and NUL are rejected (400).
 * - Segments are re-encoded canonically for the upstream.
 */

export class BadPathError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'BadPathError';
  }
}

export interface RequestTarget {
  /** The path part of the request target, still encoded. */
  rawPath: string;
  /** The query string without `?`, still encoded; '' when there is none. */
  rawQuery: string;
  /**
   * The host (and port) of an absolute-form target (`http://host:port/path`), without any
   * userinfo; undefined for origin-form. RFC 9112 §3.2.2: it, not the Host header, names the host.
   */
  authority?: string;
}

export interface SplitPath {
  /** Decoded segments; empty and `.` segments removed, `..` kept for resolveDotSegments. */
  segments: string[];
  /** The path ended with `/` (or a dot segment, which names a directory). */
  trailingSlash: boolean;
}

const SLASH = 47;
const ABSOLUTE_FORM = /^https?:\/\/([^/?#]*)/i;

/** Splits an origin-form (`/a?b`) or absolute-form (`http://h/a?b`) request target. */
export function splitTarget(url: string): RequestTarget {
  let start = 0;
  let authority: string | undefined;
  if (url.charCodeAt(0) !== SLASH) {
    const absolute = ABSOLUTE_FORM.exec(url);
    if (!absolute) throw new BadPathError('request target is not a path');
    start = absolute[0].length;
    const hostPort = absolute[1]!;
    authority = hostPort.slice(hostPort.lastIndexOf('@') + 1);
  }
  let end = url.length;
  const hash = url.indexOf('#', start);
  if (hash !== -1) end = hash;
  const question = url.indexOf('?', start);
  const target: RequestTarget =
    question !== -1 && question < end
      ? { rawPath: pathOrRoot(url, start, question), rawQuery: url.slice(question + 1, end) }
      : { rawPath: pathOrRoot(url, start, end), rawQuery: '' };
  if (authority !== undefined) target.authority = authority;
  return target;
}

function pathOrRoot(url: string, start: number, end: number): string {
  return end > start ? url.slice(start, end) : '/';
}

/** Splits and decodes a raw path. Throws BadPathError for malformed encoding or NUL. */
export function splitPath(rawPath: string): SplitPath {
  const segments: string[] = [];
  let lastWasDot = false;
  const len = rawPath.length;
  let start = 0;
  while (start < len) {
    let end = rawPath.indexOf('/', start);
    if (end === -1) end = len;
    if (end > start) {
      const segment = decodeSegment(rawPath.slice(start, end));
      if (segment === '.') {
        lastWasDot = true;
      } else {
        segments.push(segment);
        lastWasDot = segment === '..';
      }
    }
    start = end + 1;
  }
  const trailingSlash = lastWasDot || (len > 1 && rawPath.charCodeAt(len - 1) === SLASH);
  return { segments, trailingSlash };
}

/**
 * Resolves `..` in `segments[from..]` and returns those segments. A `..` at the top stays at
 * the top (as RFC 3986 does at the root), so a path cannot leave its stage or base path.
 */
export function resolveDotSegments(segments: readonly string[], from: number): string[] {
  let hasDots = false;
  for (let i = from; i < segments.length; i++) {
    if (segments[i] === '..') {
      hasDots = true;
      break;
    }
  }
  if (!hasDots) return segments.slice(from);
  const out: string[] = [];
  for (let i = from; i < segments.length; i++) {
    const s = segments[i]!;
    if (s === '..') out.pop();
    else out.push(s);
  }
  return out;
}

/**
 * The canonical encoded path for decoded segments. Without a trailing slash it is the path the
 * router matches (API Gateway routes `/a/` as `/a`); with it, the path that is forwarded.
 */
export function joinPath(segments: readonly string[], trailingSlash = false): string {
  if (segments.length === 0) return '/';
  let path = '';
  for (const s of segments) path += '/' + encodeSegment(s);
  return trailingSlash ? path + '/' : path;
}

// RFC 3986 pchar minus `;` (some servers read it as a path-parameter delimiter).
const SAFE_SEGMENT = /^[A-Za-z0-9\-._~!$&'()*+,=:@]*$/;
const RESTORABLE = /%(?:24|26|2B|2C|3D|3A|40)/g;

/** Percent-encodes one decoded segment; `/`, `%`, `?`, `#`, `;` and non-ASCII always are. */
export function encodeSegment(segment: string): string {
  if (SAFE_SEGMENT.test(segment)) return segment;
  return encodeURIComponent(segment).replace(RESTORABLE, decodeURIComponent);
}

function decodeSegment(raw: string): string {
  let text = raw;
  if (hasNonAscii(raw)) text = percentEncodeHighBytes(raw);
  else if (raw.indexOf('%') === -1) return raw;
  let decoded: string;
  try {
    decoded = decodeURIComponent(text);
  } catch {
    throw new BadPathError('invalid percent-encoding or UTF-8 in path');
  }
  if (decoded.indexOf('\0') !== -1) throw new BadPathError('NUL in path');
  return decoded;
}

function hasNonAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return true;
  return false;
}

/**
 * Node hands the request target over as latin1, one char per byte. Raw UTF-8 bytes (clients
 * that do not encode) are turned into percent-escapes so that one UTF-8 check covers both.
 */
function percentEncodeHighBytes(raw: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c > 0xff) throw new BadPathError('invalid character in path');
    out += c > 0x7f ? '%' + c.toString(16).toUpperCase() : raw[i];
  }
  return out;
}
