import type { PorticoError } from '../common/errors';

/**
 * Functions subscribe by name, so the name is part of the subject:
 * `portico.functions.<name>.invoke.v1`, served by a queue group of runners.
 */
export const FUNCTION_INVOKE_PREFIX = 'portico.functions' as const;
export const FUNCTION_INVOKE_VERSION = 'invoke.v1' as const;
export const FUNCTION_QUEUE_GROUP = 'portico-functions' as const;

/** Names as Lambda allows them: letters, digits, hyphen and underscore, up to 64 characters. */
export const FUNCTION_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function functionInvokeSubject(functionName: string): string {
  if (!FUNCTION_NAME_PATTERN.test(functionName)) {
    throw new Error(`Invalid function name: ${functionName}`);
  }
  return `${FUNCTION_INVOKE_PREFIX}.${functionName}.${FUNCTION_INVOKE_VERSION}`;
}

/** The request body is the Lambda event itself; ids and deadline travel in headers. */
export type FunctionInvokeRequest = unknown;

export type FunctionInvokeReply =
  { ok: true; result: unknown } | { ok: false; error: PorticoError & { errorType?: string } };
