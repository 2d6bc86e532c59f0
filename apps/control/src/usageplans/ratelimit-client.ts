import { Inject, Injectable } from '@nestjs/common';
import type { PorticoError } from '@portico/contracts';
import { callService, encodeJson, NATS_CONNECTION } from '@portico/platform';
import type { NatsConnection } from 'nats';
import { AwsBadRequestException, AwsException } from '../common/aws-errors';

/** Bound on one call to the ratelimit service. */
const RATELIMIT_TIMEOUT_MS = 5_000;

/**
 * Control's side of the ratelimit service (usage records): a NATS call whose failure becomes the
 * AWS exception the management API answers — a bad request 400, anything else (the service
 * down, slow, or without Redis) 503 ServiceUnavailableException.
 */
@Injectable()
export class RatelimitClient {
  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}

  async call<T extends object>(subject: string, request: object): Promise<T> {
    const reply = await callService<({ ok: true } & T) | { ok: false; error: PorticoError }>(
      this.nc,
      subject,
      encodeJson(request),
      { timeoutMs: RATELIMIT_TIMEOUT_MS, service: 'the ratelimit service' },
    );
    if (reply.ok) return reply;
    const { code, message } = reply.error;
    if (code === 'BadRequest') throw new AwsBadRequestException(message);
    throw new AwsException('ServiceUnavailableException', 503, message);
  }
}
