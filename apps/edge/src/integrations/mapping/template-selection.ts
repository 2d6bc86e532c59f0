import type { Integration, IntegrationResponse } from '@portico/definitions';
import { IntegrationFailure } from '../integration.types';

export const DEFAULT_MEDIA_TYPE = 'application/json';

/** `Text/HTML; charset=utf-8` → `text/html`; no Content-Type counts as application/json, as in AWS. */
export function mediaTypeOf(contentType: string | undefined): string {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  return type ? type : DEFAULT_MEDIA_TYPE;
}

export type RequestTemplateChoice =
  { kind: 'template'; contentType: string; template: string } | { kind: 'passthrough' };

/**
 * Picks the request template for the request's media type and applies passthroughBehavior:
 * WHEN_NO_MATCH passes unmatched bodies through, WHEN_NO_TEMPLATES only when there are no
 * templates at all, NEVER rejects anything unmatched with 415.
 */
export function selectRequestTemplate(
  integration: Pick<Integration, 'requestTemplates' | 'passthroughBehavior'>,
  contentType: string | undefined,
): RequestTemplateChoice {
  const mediaType = mediaTypeOf(contentType);
  const templates = integration.requestTemplates;
  let count = 0;
  for (const type in templates) {
    if (type.toLowerCase() === mediaType) {
      return { kind: 'template', contentType: type, template: templates[type] as string };
    }
    count++;
  }
  const behavior = integration.passthroughBehavior;
  if (behavior === 'WHEN_NO_MATCH' || (behavior === 'WHEN_NO_TEMPLATES' && count === 0)) {
    return { kind: 'passthrough' };
  }
  throw new IntegrationFailure(
    'UNSUPPORTED_MEDIA_TYPE',
    415,
    `No request template for ${mediaType} and passthroughBehavior is ${behavior}`,
    'Unsupported Media Type',
  );
}

const MAX_CACHED_PATTERNS = 1000;
const patterns = new Map<string, RegExp | null>();

/** selectionPattern is a Java regex matched against the whole value; invalid ones match nothing. */
function patternFor(source: string): RegExp | null {
  let re = patterns.get(source);
  if (re === undefined) {
    try {
      re = new RegExp(`^(?:${source})$`, 's');
    } catch {
      re = null; // rejected at import normally; here it simply never selects a response
    }
    if (patterns.size >= MAX_CACHED_PATTERNS) patterns.clear();
    patterns.set(source, re);
  }
  return re;
}

export function isDefaultResponse(response: IntegrationResponse): boolean {
  return response.selectionPattern === 'default' || response.selectionPattern === '';
}

/** The first response whose selectionPattern matches the value in full, else the default one. */
export function selectIntegrationResponse(
  responses: IntegrationResponse[],
  value: string,
): IntegrationResponse | undefined {
  for (const response of responses) {
    if (isDefaultResponse(response)) continue;
    if (patternFor(response.selectionPattern)?.test(value)) return response;
  }
  return responses.find(isDefaultResponse);
}

/**
 * The response template for the client's Accept header: the first listed media type that has a
 * template, else application/json, else the first template. Undefined means pass the body through.
 */
export function selectResponseTemplate(
  templates: Record<string, string>,
  accept: string | undefined,
): { contentType: string; template: string } | undefined {
  const entries = Object.entries(templates);
  if (entries.length === 0) return undefined;
  // One template answers whatever the client accepts: no need to read Accept.
  if (entries.length === 1) {
    const [only] = entries as [[string, string]];
    return { contentType: only[0], template: only[1] };
  }
  const wanted = (accept ?? '').split(',').map((part) => mediaTypeOf(part));
  for (const type of accept ? wanted : []) {
    const hit = entries.find(([key]) => key.toLowerCase() === type);
    if (hit) return { contentType: hit[0], template: hit[1] };
  }
  const chosen = entries.find(([key]) => key.toLowerCase() === DEFAULT_MEDIA_TYPE) ?? entries[0];
  return chosen && { contentType: chosen[0], template: chosen[1] };
}
