import { Injectable } from '@nestjs/common';
import { type ConsumeRequest, RATELIMIT_CONSUME, RATELIMIT_QUEUE_GROUP } from '@portico/contracts';
import { jsonOf, type RequestHandler, RequestTransport } from '@portico/platform';
import { checkConsume } from './consume.rules';
import { RateLimiter } from './rate-limiter';

/** The ratelimit service's NATS subjects, served as the `portico-ratelimit` queue group. */
@Injectable()
export class RateLimitTransport extends RequestTransport {
  protected readonly queue = RATELIMIT_QUEUE_GROUP;

  constructor(private readonly limiter: RateLimiter) {
    super();
  }

  protected routes(): Record<string, RequestHandler> {
    return {
      [RATELIMIT_CONSUME]: async (msg) => {
        let decision;
        try {
          decision = checkConsume(jsonOf<ConsumeRequest>(msg));
        } catch (err) {
          this.limiter.countInvalid();
          throw err;
        }
        return this.limiter.consume(decision);
      },
    };
  }
}
