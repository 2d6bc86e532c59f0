import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  Inject,
  Logger,
  NotFoundException,
  Optional,
} from '@nestjs/common';
import { DefinitionError, DefinitionLockTimeoutError } from '@portico/definitions';
import { REDIS_CLIENT } from '@portico/platform';
import type Redis from 'ioredis';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AwsException, type AwsErrorType, errorTypeForStatus } from './aws-errors';

interface ErrorAnswer {
  status: number;
  type: AwsErrorType;
  message: string;
}

/**
 * Every error leaves as AWS shapes it: the status, `x-amzn-ErrorType` and `{"message": …}`.
 * Unexpected errors are logged and answered without their details.
 */
@Catch()
export class AwsErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(AwsErrorFilter.name);

  constructor(@Optional() @Inject(REDIS_CLIENT) private readonly redis: Redis | null = null) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    const answer = this.answer(exception, request);
    const fields = {
      method: request.method,
      url: request.url,
      status: answer.status,
      errorType: answer.type,
    };
    if (answer.status >= 500) {
      this.logger.error({ ...fields, err: errorText(exception) }, 'management request failed');
    } else {
      this.logger.warn({ ...fields, reason: answer.message }, 'management request rejected');
    }
    void reply
      .status(answer.status)
      .header('x-amzn-ErrorType', answer.type)
      .header('content-type', 'application/json')
      .send(JSON.stringify({ message: answer.message }));
  }

  private answer(exception: unknown, request: FastifyRequest): ErrorAnswer {
    if (exception instanceof AwsException) {
      return { status: exception.status, type: exception.type, message: exception.message };
    }
    // Another writer (maybe another replica) held the lock too long: AWS's concurrent
    // modification answer, which callers retry.
    if (exception instanceof DefinitionLockTimeoutError) {
      return {
        status: 409,
        type: 'ConflictException',
        message:
          'Unable to complete operation due to concurrent modification. Please try again later.',
      };
    }
    if (exception instanceof DefinitionError) {
      return { status: 400, type: 'BadRequestException', message: exception.message };
    }
    // Nest raises its own NotFoundException only when no route matches.
    if (exception instanceof NotFoundException) {
      return {
        status: 404,
        type: 'UnknownOperationException',
        message: `No management operation matches ${request.method} ${request.url.split('?')[0]}`,
      };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      return { status, type: errorTypeForStatus(status), message: exception.message };
    }
    // Fastify's own request errors (body too large, bad content length) carry a status code.
    const status = (exception as { statusCode?: unknown } | null)?.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return { status, type: errorTypeForStatus(status), message: errorText(exception) };
    }
    // Redis down or frozen: say so (the SDK retries a 503), rather than a bare 500.
    const redisDown = this.redis !== null && this.redis.status !== 'ready';
    if (redisDown || errorText(exception) === 'Command timed out') {
      return {
        status: 503,
        type: 'ServiceUnavailableException',
        message: 'The definition store is unavailable; retry later',
      };
    }
    return { status: 500, type: 'InternalFailure', message: 'Internal server error' };
  }
}

/**
 * Fastify's router answers some requests before Nest sees them (a path that is not valid
 * percent-encoding); this gives those the same AWS error shape and log line.
 */
export function answerFrameworkError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const status = error.statusCode ?? 400;
  const type = errorTypeForStatus(status);
  new Logger(AwsErrorFilter.name).warn(
    { method: request.method, url: request.url, status, errorType: type, reason: error.message },
    'management request rejected',
  );
  // The router fails before the onRequest hook that sets the request id on every answer.
  void reply
    .status(status)
    .header('x-amzn-RequestId', request.id)
    .header('x-amzn-ErrorType', type)
    .header('content-type', 'application/json')
    .send(JSON.stringify({ message: error.message }));
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
