import { badRequestParameters, configurationError } from '../integration-errors';

const STAGE_VARIABLE = /\$\{stageVariables\.([A-Za-z0-9_.:-]+)\}/g;
const PLACEHOLDER = /\{([A-Za-z0-9_.-]+)(\+?)\}/g;
const GREEDY_IN_RESOURCE = /\{([A-Za-z0-9_.-]+)\+\}/;
/** What a stage variable may put into the host part: a host name or address, and a port. */
const HOST_VALUE = /^[A-Za-z0-9._\-:[\]]*$/;
/** A path and query undici can send as they are (RFC 3986 characters, no `#`). */
const PLAIN_TARGET = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*$/;
/** A `.`/`..` segment, plain or percent-encoded, that URL normalisation would resolve. */
const DOT_SEGMENT = /\/(?:\.|%2e)/i;
/** What an already-encoded path value may hold: path characters, `/` only between segments. */
const RAW_VALUE = /^[A-Za-z0-9\-._~!$&'()*+,;=:@%]*(?:\/[A-Za-z0-9\-._~!$&'()*+,;=:@%]+)*$/;
/** A whole `.`/`..` segment in an encoded value. */
const RAW_DOT_SEGMENT = /(?:^|\/)(?:\.|%2e){1,2}(?:\/|$)/i;

/** Where an HTTP integration sends the request: `http://host:port` and `/path?query`. */
export interface UpstreamTarget {
  origin: string;
  path: string;
}

export interface UriParts {
  uri: string;
  stageVariables: Record<string, string>;
  /** Values for `{name}` placeholders: mapped `integration.request.path.*` over method path parameters. */
  pathValues: Record<string, string>;
  /**
   * The same values already encoded as in the forwarded path (InvocationRequest.rawPathParameters),
   * inserted unchanged so the backend sees the path that was matched; a name missing here is
   * encoded from `pathValues`.
   */
  rawPathValues?: Record<string, string>;
  /** The matched resource path, to tell which parameter is greedy (`{proxy+}`). */
  resourcePath: string;
}

interface Placeholder {
  name: string;
  plus: boolean;
}
type PathPart = string | Placeholder;

/** What a URI template tells without a request, worked out once per template. */
interface CompiledUri {
  /** The path and query as pieces to join, when the origin is fixed and nothing needs normalising. */
  parts?: PathPart[];
  /** Index where `scheme://host:port` ends; -1 when a stage variable supplies the scheme too. */
  authorityEnd: number;
  schemeEnd: number;
  /** The origin, when the template spells it out with no variable in it. */
  origin?: string;
  hasStageVariables: boolean;
  hasPlaceholders: boolean;
}

const MAX_CACHED_URIS = 2000;
const compiledUris = new Map<string, CompiledUri>();

/** `${stageVariables.x}` → the stage's value (empty when the stage does not define it). */
export function resolveStageVariables(
  text: string,
  stageVariables: Record<string, string>,
): string {
  return text.includes('${')
    ? text.replace(STAGE_VARIABLE, (_m, name: string) => stageVariables[name] ?? '')
    : text;
}

/**
 * Builds the backend target: stage variables first, then `{param}` placeholders, each value
 * encoded as one path segment except the greedy parameter, whose slashes are kept.
 *
 * Stage variables are the operator's, path parameters the client's. A stage variable inside the
 * host part may hold only a host name, address and port: never `@`, `/`, `?` or `#`, which would
 * move the request to another host or smuggle in a path. A stage variable may still hold the
 * whole origin (`${stageVariables.url}/pets`); an integration URI never carries credentials.
 */
export function buildIntegrationUrl(parts: UriParts): UpstreamTarget {
  const { uri, stageVariables } = parts;
  const compiled = compileUri(uri);
  if (compiled.parts !== undefined && compiled.origin !== undefined) {
    // The common case, worked out in advance: a fixed origin and a plain path around placeholders.
    let path = '';
    for (const part of compiled.parts) {
      path += typeof part === 'string' ? part : placeholderValue(part, parts);
    }
    return { origin: compiled.origin, path };
  }
  let text = compiled.hasStageVariables
    ? uri.replace(STAGE_VARIABLE, (_m, name: string, offset: number) =>
        stageVariableValue(compiled, name, stageVariables[name] ?? '', offset),
      )
    : uri;
  if (compiled.hasPlaceholders) {
    text = text.replace(PLACEHOLDER, (_m, name: string, plus: string) =>
      placeholderValue({ name, plus: plus === '+' }, parts),
    );
  }
  if (compiled.origin !== undefined) {
    // The origin is fixed, so only the path can vary: use it as it is when it needs no normalising.
    const rest = text.slice(compiled.authorityEnd);
    const path = rest.startsWith('/') ? rest : `/${rest}`;
    if (PLAIN_TARGET.test(path) && !DOT_SEGMENT.test(path))
      return { origin: compiled.origin, path };
  }
  return parseTarget(text);
}

function placeholderValue(
  placeholder: Placeholder,
  { uri, pathValues, rawPathValues, resourcePath }: UriParts,
): string {
  const raw = rawPathValues?.[placeholder.name];
  // Checked although the pipeline encodes it: a value that could inject a query or climb out of
  // the integration path is encoded afresh from the decoded value instead.
  if (typeof raw === 'string' && RAW_VALUE.test(raw) && !RAW_DOT_SEGMENT.test(raw)) return raw;
  const value = pathValues[placeholder.name];
  if (value === undefined) {
    throw configurationError(
      `No value for {${placeholder.name}${placeholder.plus ? '+' : ''}} in integration URI ${uri}`,
    );
  }
  return placeholder.plus || greedyParameter(resourcePath) === placeholder.name
    ? value.split('/').map(encodeSegment).join('/')
    : encodeSegment(value);
}

const greedyByResource = new Map<string, string | undefined>();

/** The `{name+}` parameter of a resource path, if any (resource paths are few: cached). */
function greedyParameter(resourcePath: string): string | undefined {
  if (greedyByResource.has(resourcePath)) return greedyByResource.get(resourcePath);
  const name = GREEDY_IN_RESOURCE.exec(resourcePath)?.[1];
  if (greedyByResource.size >= MAX_CACHED_URIS) greedyByResource.clear();
  greedyByResource.set(resourcePath, name);
  return name;
}

function compileUri(uri: string): CompiledUri {
  const hit = compiledUris.get(uri);
  if (hit) return hit;
  const schemeEnd = uri.indexOf('://');
  const literalScheme = schemeEnd > 0 && !uri.slice(0, schemeEnd).includes('$');
  let authorityEnd = -1;
  if (literalScheme) {
    authorityEnd = uri.length;
    for (const stop of ['/', '?', '#']) {
      const at = uri.indexOf(stop, schemeEnd + 3);
      if (at !== -1 && at < authorityEnd) authorityEnd = at;
    }
  }
  const compiled: CompiledUri = {
    schemeEnd,
    authorityEnd,
    hasStageVariables: uri.includes('${'),
    hasPlaceholders: uri.includes('{'),
  };
  const authority = literalScheme ? uri.slice(0, authorityEnd) : '';
  if (literalScheme && !authority.includes('{') && !authority.includes('$')) {
    try {
      compiled.origin = parseTarget(authority).origin;
    } catch {
      // Left undefined: every request then reports the bad URI through parseTarget.
    }
    if (compiled.origin !== undefined && !compiled.hasStageVariables) {
      compiled.parts = compilePath(uri.slice(authorityEnd));
    }
  }
  if (compiledUris.size >= MAX_CACHED_URIS) compiledUris.clear();
  compiledUris.set(uri, compiled);
  return compiled;
}

/**
 * The path template as literal pieces and placeholders, when the literal pieces need no
 * normalising; placeholder values are encoded per request and never add dot segments.
 */
function compilePath(template: string): PathPart[] | undefined {
  const path = template.startsWith('/') ? template : `/${template}`;
  const literal = path.replace(PLACEHOLDER, 'x');
  if (!PLAIN_TARGET.test(literal) || DOT_SEGMENT.test(literal)) return undefined;
  const parts: PathPart[] = [];
  let last = 0;
  for (const match of path.matchAll(PLACEHOLDER)) {
    if (match.index > last) parts.push(path.slice(last, match.index));
    parts.push({ name: match[1] as string, plus: match[2] === '+' });
    last = match.index + match[0].length;
  }
  if (last < path.length) parts.push(path.slice(last));
  return parts;
}

function stageVariableValue(
  compiled: CompiledUri,
  name: string,
  value: string,
  offset: number,
): string {
  const inHost = offset > compiled.schemeEnd && offset < compiled.authorityEnd;
  if (inHost && !HOST_VALUE.test(value)) {
    throw configurationError(
      `Stage variable ${name} is used in the host of an integration URI but holds more than a host and port`,
    );
  }
  return value;
}

function parseTarget(text: string): UpstreamTarget {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw configurationError(`Integration URI is not a valid URL: ${text}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw configurationError(`Integration URI must be http or https: ${url.protocol}`);
  }
  if (url.username !== '' || url.password !== '') {
    // undici would drop them silently; say so instead (map an Authorization header).
    throw configurationError('Integration URI must not contain credentials');
  }
  return { origin: url.origin, path: `${url.pathname}${url.search}` };
}

/**
 * A `.` or `..` segment would let a parameter value climb out of the integration path: URL
 * parsing resolves them even percent-encoded, so they are refused outright.
 */
function encodeSegment(segment: string): string {
  if (segment === '.' || segment === '..') {
    throw badRequestParameters('Dot segment in a path parameter');
  }
  return encodeURIComponent(segment);
}

/**
 * Appends the forwarded query to the target's own: `rawQuery` stays byte for byte unless a
 * mapped parameter replaces some of its names.
 */
export function mergeQuery(
  path: string,
  rawQuery: string,
  mapped: Record<string, string[]>,
): string {
  const question = path.indexOf('?');
  if (question === -1 && isEmpty(mapped)) return rawQuery ? `${path}?${rawQuery}` : path;
  const parts: string[] = [];
  if (question !== -1 && question < path.length - 1) parts.push(path.slice(question + 1));
  const mappedNames = Object.keys(mapped);
  if (rawQuery) {
    if (mappedNames.length === 0) parts.push(rawQuery);
    else {
      const replaced = new Set(mappedNames);
      const kept = rawQuery.split('&').filter((pair) => pair && !replaced.has(decodeName(pair)));
      if (kept.length > 0) parts.push(kept.join('&'));
    }
  }
  for (const name of mappedNames) {
    for (const value of mapped[name] ?? [])
      parts.push(`${encodeURIComponent(name)}=${encodeURIComponent(value)}`);
  }
  const base = question === -1 ? path : path.slice(0, question);
  return parts.length > 0 ? `${base}?${parts.join('&')}` : base;
}

function isEmpty(map: Record<string, unknown>): boolean {
  for (const _key in map) return false;
  return true;
}

function decodeName(pair: string): string {
  const raw = pair.split('=', 1)[0] ?? '';
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw; // malformed escapes: compare the raw text
  }
}
