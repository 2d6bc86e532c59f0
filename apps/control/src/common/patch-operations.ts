import { jsonBody } from './request-body';

/** One of an Update operation's `patchOperations` (RFC 6902 style, as AWS applies them). */
export interface PatchOperation {
  op?: string;
  path?: string;
  value?: string;
  from?: string;
}

/** The body of AWS's v1 Update operations; each operation is checked by the one applying it. */
const PATCH_BODY_SCHEMA = {
  type: 'object',
  properties: {
    patchOperations: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          op: { type: 'string' },
          path: { type: 'string' },
          value: { type: 'string' },
          from: { type: 'string' },
        },
      },
    },
  },
};

/** The patch operations of an Update request's body (none when it has none). */
export function patchOperationsOf(body: unknown): PatchOperation[] {
  return (
    jsonBody<{ patchOperations?: PatchOperation[] }>(body, PATCH_BODY_SCHEMA).patchOperations ?? []
  );
}

/** JSON Pointer escaping (RFC 6901), which AWS uses for `/` inside a path segment (`image~1png`). */
export function unescapePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}
