import type { Logger } from '@nestjs/common';
import { AwsException } from '../common/aws-errors';

/** What reconciling one kind of auth-service record with the file will do. */
export interface SyncPlan<Want, Have> {
  create: Want[];
  /** Declared and owned by the file already: the step decides whether anything changes. */
  update: Array<{ want: Want; current: Have }>;
  delete: Have[];
}

export interface SyncOutcome {
  created: number;
  updated: number;
  deleted: number;
  failed: number;
}

/**
 * Reconciles records the auth service keeps (credentials, API keys) with what the config file
 * declares, for the records the file owns (tagged `portico:managed-by: config-file`): declared
 * ones are created or updated, ones it declared before and no longer does are deleted, and
 * records created through the management API are never touched. The auth service sits outside
 * the definitions' transaction, so an unreachable service leaves the plan undefined and a
 * failed step is counted: the caller reconciles again later.
 */
export abstract class ConfigFileAuthSync<Want, Have> {
  /** `credential`, `API key`: what the log lines call one record. */
  protected abstract readonly kind: string;
  /** The log field that names a record (`accessKeyId`, `apiKeyName`). */
  protected abstract readonly labelField: string;

  constructor(protected readonly logger: Logger) {}

  /** Every record of this kind the auth service holds. */
  protected abstract current(): Promise<Have[]>;
  /** Pairs what the file wants with what exists; throws a ConfigFileError for a bad claim. */
  protected abstract match(desired: Want[], current: Have[]): SyncPlan<Want, Have>;
  /** What names a record in log lines (never a secret). */
  protected abstract label(record: Want | Have): string;
  protected abstract create(want: Want): Promise<void>;
  /** True when the record changed. */
  protected abstract update(want: Want, current: Have): Promise<boolean>;
  protected abstract remove(have: Have): Promise<void>;

  /** The plan against what the auth service holds; undefined when it cannot be reached. */
  async plan(desired: Want[]): Promise<SyncPlan<Want, Have> | undefined> {
    let current: Have[];
    try {
      current = await this.current();
    } catch (err) {
      if (!(err instanceof AwsException) || err.status !== 503) throw err;
      this.logger.warn({ reason: err.message }, `config file ${this.kind}s not reconciled`);
      return undefined;
    }
    return this.match(desired, current);
  }

  /** Carries the plan out one record at a time; a failure is logged and counted. */
  async apply(plan: SyncPlan<Want, Have>): Promise<SyncOutcome> {
    const outcome: SyncOutcome = { created: 0, updated: 0, deleted: 0, failed: 0 };
    const attempt = async (
      label: string,
      step: () => Promise<boolean>,
      count: keyof SyncOutcome,
    ) => {
      try {
        if (await step()) outcome[count]++;
      } catch (err) {
        outcome.failed++;
        // The auth service's messages name fields, never a secret or a key's value.
        this.logger.error(
          { [this.labelField]: label, err: (err as Error).message },
          `config file ${this.kind} not reconciled`,
        );
      }
    };
    for (const want of plan.create) {
      await attempt(this.label(want), () => this.create(want).then(() => true), 'created');
    }
    for (const { want, current } of plan.update) {
      await attempt(this.label(want), () => this.update(want, current), 'updated');
    }
    for (const gone of plan.delete) {
      await attempt(this.label(gone), () => this.remove(gone).then(() => true), 'deleted');
    }
    return outcome;
  }
}
