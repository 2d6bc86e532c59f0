import type { ApiDefinition } from '@portico/definitions';
import { parsePolicy, PolicyError, RESOURCE_POLICY } from '@portico/iam';
import { AwsBadRequestException } from '../common/aws-errors';

/** Where an API's resource policy lives: in its definition, so deployments snapshot it. */
export const POLICY_EXTENSION = 'x-amazon-apigateway-policy';

/**
 * RestApi's `policy` as AWS answers it: the compact JSON text with its quotes and slashes
 * backslash-escaped (`{\"Version\":…,\"aws:SourceIp\":\"10.0.0.0\/8\"}`). Terraform and other
 * clients unescape exactly that, so it is kept even though it is not itself JSON.
 */
export function policyShape(definition: ApiDefinition): string | undefined {
  const stored = definition.extensions[POLICY_EXTENSION];
  if (stored === undefined) return undefined;
  // Import accepts the policy as an object or as its JSON text; AWS answers it compacted.
  const document = typeof stored === 'string' ? readJson(stored) : stored;
  const text = document === undefined ? String(stored) : JSON.stringify(document);
  return JSON.stringify(text).slice(1, -1).replace(/\//g, '\\/');
}

/**
 * The policy a `/policy` patch value holds, checked as import checks one (else 400 with the
 * parser's reason). The value is JSON text; the escaped form GetRestApi answers is read too,
 * so a client may send back what it read. Returns the document as written, not normalised.
 */
export function policyFromPatchValue(value: string): unknown {
  const document = readJson(value) ?? readEscaped(value);
  try {
    parsePolicy(document ?? value, RESOURCE_POLICY);
  } catch (err) {
    if (err instanceof PolicyError) throw new AwsBadRequestException(err.message);
    throw err;
  }
  return document;
}

function readJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** `{\"Version\":…}` → the document, when the text is a JSON string's escaped body. */
function readEscaped(text: string): unknown {
  const unescaped = readJson(`"${text}"`);
  return typeof unescaped === 'string' ? readJson(unescaped) : undefined;
}
