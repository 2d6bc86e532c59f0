import { IntegrationFailure } from '../integration.types';

const STAGE_VARIABLE = /\$\{stageVariables\.([A-Za-z0-9_.:-]+)\}/g;
const PLACEHOLDER = /\{([A-Za-z0-9_.-]+)(\+?)\}/g;
const GREEDY_IN_RESOURCE = /\{([A-Za-z0-9_.-]+)\+\}/;

function configurationError(detail: string): IntegrationFailure {
  return new IntegrationFailure('API_CONFIGURATION_ERROR', 500, detail, 'Internal server error');
}

/** `${stageVariables.x}` → the stage's value (empty when the stage does not define it). */
export function resolveStageVariables(
  text: string,
  stageVariables: Record<string, string>,
): string {
  return text.includes('${')
    ? text.replace(STAGE_VARIABLE, (_m, name: string) => stageVariables[name] ?? '')
    : text;
}

export interface UriParts {
  uri: string;
  stageVariables: Record<string, string>;
  /** Values for `{name}` placeholders: mapped `integration.request.path.*` over method path parameters. */
  pathValues: Record<string, string>;
  /** The matched resource path, to tell which parameter is greedy (`{proxy+}`). */
  resourcePath: string;
}

/**
 * Builds the backend URL: stage variables first, then `{param}` placeholders, each value encoded
 * as one path segment except the greedy parameter, whose slashes are kept.
 */
export function buildIntegrationUrl({
  uri,
  stageVariables,
  pathValues,
  resourcePath,
}: UriParts): URL {
  const greedy = GREEDY_IN_RESOURCE.exec(resourcePath)?.[1];
  const withVariables = resolveStageVariables(uri, stageVariables);
  const filled = withVariables.replace(PLACEHOLDER, (_m, name: string, plus: string) => {
    const value = pathValues[name];
    if (value === undefined)
      throw configurationError(`No value for {${name}${plus}} in integration URI ${uri}`);
    return name === greedy || plus
      ? value.split('/').map(encodeSegment).join('/')
      : encodeSegment(value);
  });
  let url: URL;
  try {
    url = new URL(filled);
  } catch {
    throw configurationError(`Integration URI is not a valid URL: ${filled}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw configurationError(`Integration URI must be http or https: ${filled}`);
  }
  return url;
}

/**
 * A `.` or `..` segment would let a parameter value climb out of the integration path: URL
 * parsing resolves them even percent-encoded, so they are refused outright.
 */
function encodeSegment(segment: string): string {
  if (segment === '.' || segment === '..') {
    throw new IntegrationFailure(
      'BAD_REQUEST_PARAMETERS',
      400,
      `Dot segment in a path parameter`,
      'Bad Request',
    );
  }
  return encodeURIComponent(segment);
}

/**
 * Appends the forwarded query to the URI's own: `rawQuery` stays byte for byte unless a mapped
 * parameter replaces some of its names.
 */
export function mergeQuery(url: URL, rawQuery: string, mapped: Record<string, string[]>): void {
  const mappedNames = Object.keys(mapped);
  const parts: string[] = [];
  if (url.search.length > 1) parts.push(url.search.slice(1));
  if (rawQuery) {
    if (mappedNames.length === 0) parts.push(rawQuery);
    else {
      const replaced = new Set(mappedNames);
      const kept = rawQuery.split('&').filter((pair) => pair && !replaced.has(decodeName(pair)));
      if (kept.length > 0) parts.push(kept.join('&'));
    }
  }
  for (const [name, values] of Object.entries(mapped)) {
    for (const value of values)
      parts.push(`${encodeURIComponent(name)}=${encodeURIComponent(value)}`);
  }
  url.search = parts.length > 0 ? `?${parts.join('&')}` : '';
}

function decodeName(pair: string): string {
  const raw = pair.split('=', 1)[0] ?? '';
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw; // malformed escapes: compare the raw text
  }
}
