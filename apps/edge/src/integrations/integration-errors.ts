import { IntegrationFailure } from './integration.types';

/**
 * The failures integrations raise most, with AWS's client-facing text. One place, so the status,
 * gateway response type and message of each kind cannot drift apart between integrations.
 */

/** A deployed definition that cannot be applied (bad mapping, template, URI): AWS answers 500. */
export function configurationError(detail: string, cause?: unknown): IntegrationFailure {
  const failure = new IntegrationFailure(
    'API_CONFIGURATION_ERROR',
    500,
    detail,
    'Internal server error',
  );
  if (cause !== undefined) failure.cause = cause;
  return failure;
}

/** The backend (HTTP upstream or function) answered with something unusable: 502. */
export function integrationError(detail: string): IntegrationFailure {
  return new IntegrationFailure('INTEGRATION_FAILURE', 502, detail, 'Internal server error');
}

/** The backend did not answer within the integration timeout: 504, as AWS. */
export function timeoutError(detail: string): IntegrationFailure {
  return new IntegrationFailure('INTEGRATION_TIMEOUT', 504, detail, 'Endpoint request timed out');
}

/** Client input that the integration cannot forward (a dot segment, a header with CR/LF): 400. */
export function badRequestParameters(detail: string): IntegrationFailure {
  return new IntegrationFailure('BAD_REQUEST_PARAMETERS', 400, detail, 'Bad Request');
}

/** RFC 9110 token: what a header name may be. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** What Node refuses in a header value (CR, LF, NUL and other controls, code points above 0xFF). */
const INVALID_HEADER_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

export function isValidHeaderName(name: string): boolean {
  return HEADER_NAME.test(name);
}

/** False for a value that would split the header block (CR/LF) or that Node cannot write. */
export function isValidHeaderValue(value: string): boolean {
  return !INVALID_HEADER_VALUE.test(value);
}
