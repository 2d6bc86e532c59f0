import type { GatewayResponseType } from '@portico/definitions';

/**
 * API Gateway's default gateway responses: status and `{"message": …}` per type. DEFAULT_4XX
 * and DEFAULT_5XX have no status of their own; they are the fallback overrides by status class.
 */
export const DEFAULT_GATEWAY_RESPONSES: Readonly<
  Record<GatewayResponseType, { statusCode: number; message: string | null }>
> = {
  DEFAULT_4XX: { statusCode: 400, message: 'Bad Request' },
  DEFAULT_5XX: { statusCode: 500, message: 'Internal server error' },
  ACCESS_DENIED: { statusCode: 403, message: 'Forbidden' },
  API_CONFIGURATION_ERROR: { statusCode: 500, message: 'Internal server error' },
  // API Gateway answers a broken authorizer `{"message": null}`.
  AUTHORIZER_CONFIGURATION_ERROR: { statusCode: 500, message: null },
  AUTHORIZER_FAILURE: { statusCode: 500, message: null },
  BAD_REQUEST_PARAMETERS: { statusCode: 400, message: 'Bad Request' },
  BAD_REQUEST_BODY: { statusCode: 400, message: 'Invalid request body' },
  EXPIRED_TOKEN: {
    statusCode: 403,
    message: 'The security token included in the request is expired',
  },
  INTEGRATION_FAILURE: { statusCode: 504, message: 'Internal server error' },
  INTEGRATION_TIMEOUT: { statusCode: 504, message: 'Endpoint request timed out' },
  INVALID_API_KEY: { statusCode: 403, message: 'Forbidden' },
  INVALID_SIGNATURE: { statusCode: 403, message: 'Invalid request signature' },
  MISSING_AUTHENTICATION_TOKEN: { statusCode: 403, message: 'Missing Authentication Token' },
  QUOTA_EXCEEDED: { statusCode: 429, message: 'Limit Exceeded' },
  REQUEST_TOO_LARGE: { statusCode: 413, message: 'Request Entity Too Large' },
  RESOURCE_NOT_FOUND: { statusCode: 404, message: 'Not Found' },
  THROTTLED: { statusCode: 429, message: 'Too Many Requests' },
  UNAUTHORIZED: { statusCode: 401, message: 'Unauthorized' },
  UNSUPPORTED_MEDIA_TYPE: { statusCode: 415, message: 'Unsupported Media Type' },
  WAF_FILTERED: { statusCode: 403, message: 'Forbidden' },
};

/**
 * The `x-amzn-ErrorType` header API Gateway sends with its own error responses, for the types
 * where its value is on record; AWS keeps it when an API customises the response.
 */
const AWS_ERROR_TYPES: Partial<Record<GatewayResponseType, string>> = {
  MISSING_AUTHENTICATION_TOKEN: 'MissingAuthenticationTokenException',
  ACCESS_DENIED: 'ForbiddenException',
  INVALID_API_KEY: 'ForbiddenException',
  WAF_FILTERED: 'ForbiddenException',
  UNAUTHORIZED: 'UnauthorizedException',
  AUTHORIZER_CONFIGURATION_ERROR: 'AuthorizerConfigurationException',
};

export function awsErrorType(error: GatewayError): string | undefined {
  if (error.statusCode >= 500 && error.clientMessage === 'Internal server error') {
    return 'InternalServerErrorException';
  }
  return AWS_ERROR_TYPES[error.responseType];
}

/**
 * A request the gateway answers itself. `clientMessage` is what `{"message": …}` and
 * `$context.error.message` show; `message` is for the log. A plain value, not an Error: routine
 * answers (403 for an unknown route) should not pay for capturing a stack trace.
 */
export class GatewayError {
  readonly message: string;
  /**
   * The member of the default body: `message`, except for IAM policy denials, which API Gateway
   * answers `{"Message": …}`.
   */
  messageKey: 'message' | 'Message' = 'message';
  /** Headers to send besides the rendered ones, as name, value pairs (e.g. Retry-After). */
  headers?: string[];

  constructor(
    readonly responseType: GatewayResponseType,
    readonly statusCode: number,
    readonly clientMessage: string | null,
    logMessage?: string,
  ) {
    this.message = logMessage ?? clientMessage ?? responseType;
  }

  /** The type's default status and message. */
  static of(responseType: GatewayResponseType, logMessage?: string): GatewayError {
    const d = DEFAULT_GATEWAY_RESPONSES[responseType];
    return new GatewayError(responseType, d.statusCode, d.message, logMessage);
  }
}

/** The API or stage is unknown (or its execute-api endpoint is disabled). */
export function forbidden(logMessage: string): GatewayError {
  return GatewayError.of('ACCESS_DENIED', logMessage);
}

/** The request line or path cannot be used. */
export function badRequest(logMessage: string): GatewayError {
  return GatewayError.of('BAD_REQUEST_PARAMETERS', logMessage);
}

export function internalError(logMessage: string): GatewayError {
  return GatewayError.of('DEFAULT_5XX', logMessage);
}
