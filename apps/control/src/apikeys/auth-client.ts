import { Inject, Injectable } from '@nestjs/common';
import type { AuthReply } from '@portico/contracts';
import { callService, encodeJson, NATS_CONNECTION } from '@portico/platform';
import type { NatsConnection } from 'nats';
import {
  AwsBadRequestException,
  AwsConflictException,
  AwsException,
  AwsNotFoundException,
} from '../common/aws-errors';

/** Bound on one call to the auth service. */
const AUTH_TIMEOUT_MS = 5_000;

/**
 * Control's side of the auth service: a NATS call whose failure becomes the AWS exception the
 * management API answers (the auth service down or slow: 503 ServiceUnavailableException).
 */
@Injectable()
export class AuthClient {
  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}

  async call<T extends object>(subject: string, request: object): Promise<T> {
    const reply = await callService<AuthReply<T>>(this.nc, subject, encodeJson(request), {
      timeoutMs: AUTH_TIMEOUT_MS,
      service: 'the auth service',
    });
    if (reply.ok) return reply;
    const { code, message } = reply.error;
    switch (code) {
      case 'NotFound':
        throw new AwsNotFoundException(message);
      case 'Conflict':
        throw new AwsConflictException(message);
      case 'BadRequest':
        throw new AwsBadRequestException(message);
      default:
        throw new AwsException('ServiceUnavailableException', 503, message);
    }
  }
}
