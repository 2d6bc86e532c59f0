import { Injectable, Logger } from '@nestjs/common';
import { UsagePlanStore } from '@portico/definitions';
import { type StagePlan, UsagePlanIndex } from '../throttling/usage-plan-index';

/**
 * Every usage plan and its API keys, in memory, so the plan of a request's key is found without
 * a round trip. Loaded by the StageRegistry with the definitions — at start, when the
 * definitions' revision moves (every plan write moves it), on a plan change event and after a
 * NATS reconnect — in its queue of changes, one at a time. A failed load keeps what is loaded.
 */
@Injectable()
export class UsagePlanRegistry {
  private readonly logger = new Logger(UsagePlanRegistry.name);
  private index = UsagePlanIndex.EMPTY;
  private loaded = false;

  constructor(private readonly store: UsagePlanStore) {}

  planFor(apiId: string, stageName: string, keyId: string): StagePlan | undefined {
    return this.index.planFor(apiId, stageName, keyId);
  }

  get isLoaded(): boolean {
    return this.loaded;
  }

  /** Reloads every plan; false (logged) when Redis could not answer. */
  async reload(reason: string): Promise<boolean> {
    let entries;
    try {
      entries = await this.store.listWithKeys();
    } catch (err) {
      this.logger.warn(
        { reason, err: err instanceof Error ? err.message : String(err) },
        'Could not load usage plans from Redis; keeping what is loaded',
      );
      return false;
    }
    const index = new UsagePlanIndex(entries);
    for (const conflict of index.conflicts) {
      this.logger.error(
        { conflict },
        'An API key is in two usage plans of one API stage; the first plan applies',
      );
    }
    this.index = index;
    if (!this.loaded || reason !== 'periodic') {
      this.logger.log({ reason, usagePlans: entries.length }, 'Usage plans loaded');
    }
    this.loaded = true;
    return true;
  }
}
