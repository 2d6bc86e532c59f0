import { Injectable } from '@nestjs/common';
import {
  type ConsumeRequest,
  RATELIMIT_CONSUME,
  RATELIMIT_QUEUE_GROUP,
  RATELIMIT_REFUND,
  RATELIMIT_USAGE_GET,
  RATELIMIT_USAGE_UPDATE,
  type RefundEvent,
  type UsageGetRequest,
  type UsageUpdateRequest,
} from '@portico/contracts';
import { jsonOf, type RequestHandler, RequestTransport } from '@portico/platform';
import { checkConsume } from './consume.rules';
import { RateLimiter } from './rate-limiter';
import { UsageRecords } from './usage-records';
import { checkRefund, checkUsageGet, checkUsageUpdate } from './usage.rules';

/**
 * The ratelimit service's NATS subjects, served as the `portico-ratelimit` queue group (so one
 * replica takes each call, and each refund event). A refund has no reply: a malformed one, or
 * one Redis fails, is logged and dropped.
 */
@Injectable()
export class RateLimitTransport extends RequestTransport {
  protected readonly queue = RATELIMIT_QUEUE_GROUP;

  constructor(
    private readonly limiter: RateLimiter,
    private readonly usage: UsageRecords,
  ) {
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
      [RATELIMIT_REFUND]: async (msg) => {
        await this.usage.refund(checkRefund(jsonOf<RefundEvent>(msg)));
        return {};
      },
      [RATELIMIT_USAGE_GET]: (msg) => this.usage.get(checkUsageGet(jsonOf<UsageGetRequest>(msg))),
      [RATELIMIT_USAGE_UPDATE]: (msg) => {
        const { quota, remaining } = checkUsageUpdate(jsonOf<UsageUpdateRequest>(msg));
        return this.usage.update(quota, remaining);
      },
    };
  }
}
