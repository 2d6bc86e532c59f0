import { AwsBadRequestException } from './aws-errors';
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

export type PatchOp = 'add' | 'remove' | 'replace';

/** One patch operation whose op is checked, with AWS's refusals for a wrong op or a missing value. */
export interface CheckedPatch {
  op: PatchOp;
  path: string;
  /** Refuses the operation unless its op is one of these (for its path). */
  only(...ops: PatchOp[]): void;
  /** The operation's value; refused when there is none. */
  value(): string;
  /** The operation's value as a boolean (`true` or `false`, nothing else). */
  flag(): boolean;
}

export function checkedPatch(patch: PatchOperation): CheckedPatch {
  const { op, path = '' } = patch;
  if (op !== 'add' && op !== 'remove' && op !== 'replace') {
    throw new AwsBadRequestException(
      "Invalid patch operation specified. Must be 'add'|'remove'|'replace'",
    );
  }
  const value = (): string => {
    if (typeof patch.value !== 'string') {
      throw new AwsBadRequestException(`Invalid patch value for op '${op}' on ${path}: required`);
    }
    return patch.value;
  };
  return {
    op,
    path,
    value,
    flag: () => {
      const text = value();
      if (text !== 'true' && text !== 'false') {
        throw new AwsBadRequestException(
          `Invalid value for ${path.slice(1)}: ${JSON.stringify(text)} (expected true or false)`,
        );
      }
      return text === 'true';
    },
    only: (...ops) => {
      if (!ops.includes(op)) {
        throw new AwsBadRequestException(
          `Invalid patch path '${path}' specified for op '${op}'. Must be one of: [${ops.join(', ')}]`,
        );
      }
    },
  };
}
