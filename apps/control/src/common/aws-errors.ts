/**
 * Amazon API Gateway's management errors: the SDK picks the exception class from the
 * `x-amzn-ErrorType` header and reads `message` from the JSON body.
 */
export type AwsErrorType =
  | 'BadRequestException'
  | 'NotFoundException'
  | 'ConflictException'
  | 'TooManyRequestsException'
  | 'UnauthorizedException'
  | 'UnknownOperationException'
  | 'MissingAuthenticationTokenException'
  | 'IncompleteSignatureException'
  | 'InvalidSignatureException'
  | 'UnrecognizedClientException'
  | 'ServiceUnavailableException'
  | 'InternalFailure';

export class AwsException extends Error {
  constructor(
    readonly type: AwsErrorType,
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = type;
  }
}

export class AwsBadRequestException extends AwsException {
  constructor(message: string) {
    super('BadRequestException', 400, message);
  }
}

export class AwsNotFoundException extends AwsException {
  constructor(message: string) {
    super('NotFoundException', 404, message);
  }
}

export class AwsConflictException extends AwsException {
  constructor(message: string) {
    super('ConflictException', 409, message);
  }
}

/** The AWS error type for an HTTP status that did not come from one of the classes above. */
export function errorTypeForStatus(status: number): AwsErrorType {
  switch (status) {
    case 401:
    case 403:
      return 'UnauthorizedException';
    case 404:
      return 'NotFoundException';
    case 409:
      return 'ConflictException';
    case 429:
      return 'TooManyRequestsException';
    case 503:
      return 'ServiceUnavailableException';
    default:
      return status >= 500 ? 'InternalFailure' : 'BadRequestException';
  }
}
