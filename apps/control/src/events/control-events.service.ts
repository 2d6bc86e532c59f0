import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { ClientProxy } from '@nestjs/microservices';
import {
  CONTROL_DOMAIN_CHANGED,
  CONTROL_STAGE_CHANGED,
  CONTROL_USAGEPLAN_CHANGED,
  type DomainChangedEvent,
  type StageChangedEvent,
  type UsagePlanChangedEvent,
} from '@portico/contracts';
import { lastValueFrom, timeout } from 'rxjs';
import { EVENTS_CLIENT } from '../common/tokens';

/** A publish that NATS does not take within this bound is logged and given up. */
const PUBLISH_TIMEOUT_MS = 2_000;

/** What a change did to the data plane, to be announced after it is written. */
export interface ControlChanges {
  stages: StageChangedEvent[];
  domains: DomainChangedEvent[];
  /** Usage plans written (a key added or removed updates its plan). */
  usagePlans?: UsagePlanChangedEvent[];
}

export const noChanges = (): ControlChanges => ({ stages: [], domains: [] });

/**
 * Tells edges what changed, after Redis has it. A failed publish is logged and never fails the
 * change: edges also resync periodically.
 */
@Injectable()
export class ControlEvents implements OnApplicationBootstrap {
  private readonly logger = new Logger(ControlEvents.name);

  constructor(@Inject(EVENTS_CLIENT) private readonly client: ClientProxy) {}

  async onApplicationBootstrap(): Promise<void> {
    // Connect up front so the first change is not the one that pays for (or fails) the connect.
    await this.client.connect().catch((err: Error) => {
      this.logger.warn({ err: err.message }, 'event publisher could not connect yet');
    });
  }

  async publish(changes: ControlChanges): Promise<void> {
    await Promise.all([
      ...dedupe(changes.stages, (e) => `${e.restApiId}/${e.stageName}`).map((e) =>
        this.emit(CONTROL_STAGE_CHANGED, e),
      ),
      ...dedupe(changes.domains, (e) => e.domainName.toLowerCase()).map((e) =>
        this.emit(CONTROL_DOMAIN_CHANGED, e),
      ),
      ...dedupe(changes.usagePlans ?? [], (e) => e.usagePlanId).map((e) =>
        this.emit(CONTROL_USAGEPLAN_CHANGED, e),
      ),
    ]);
  }

  private async emit(
    subject: string,
    payload: StageChangedEvent | DomainChangedEvent | UsagePlanChangedEvent,
  ): Promise<void> {
    try {
      await lastValueFrom(this.client.emit(subject, payload).pipe(timeout(PUBLISH_TIMEOUT_MS)), {
        defaultValue: undefined,
      });
      this.logger.debug({ subject, ...payload }, 'event published');
    } catch (err) {
      this.logger.warn(
        { subject, ...payload, err: (err as Error).message },
        'event publish failed',
      );
    }
  }
}

/** The last event per key wins: a stage updated then deleted in one change is announced deleted. */
function dedupe<T>(events: T[], key: (e: T) => string): T[] {
  const byKey = new Map<string, T>();
  for (const e of events) {
    const k = key(e);
    byKey.delete(k);
    byKey.set(k, e);
  }
  return [...byKey.values()];
}
