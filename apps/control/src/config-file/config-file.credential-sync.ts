import { Injectable, Logger } from '@nestjs/common';
import type { CredentialView } from '@portico/contracts';
import { AwsException } from '../common/aws-errors';
import { CredentialsService } from '../credentials/credentials.service';
import type { DesiredCredential } from './config-file.credentials';
import { ConfigFileError } from './config-file.loader';
import { isFileManaged, MANAGED_BY_CONFIG_FILE, MANAGED_BY_TAG } from './config-file.planner';

/** What reconciling the file's credentials will do. */
export interface CredentialPlan {
  create: DesiredCredential[];
  /** Declared and owned by the file already: sent as declared (the service skips no-ops). */
  update: Array<{ want: DesiredCredential; current: CredentialView }>;
  delete: CredentialView[];
}

export interface CredentialOutcome {
  created: number;
  updated: number;
  deleted: number;
  failed: number;
}

/**
 * Reconciles the credentials the file owns (tagged `portico:managed-by: config-file`) with what
 * it declares: declared ones are created or updated, ones it declared before and no longer does
 * are deleted, and credentials created through the management API are never touched.
 */
@Injectable()
export class ConfigFileCredentialSync {
  private readonly logger = new Logger(ConfigFileCredentialSync.name);

  constructor(private readonly credentials: CredentialsService) {}

  /**
   * The plan against what the auth service holds; undefined when the service cannot be reached
   * (the caller retries later). A ConfigFileError when the file claims an id the management API
   * created.
   */
  async plan(desired: DesiredCredential[]): Promise<CredentialPlan | undefined> {
    let current: CredentialView[];
    try {
      current = await this.credentials.all();
    } catch (err) {
      if (!(err instanceof AwsException) || err.status !== 503) throw err;
      this.logger.warn({ reason: err.message }, 'config file credentials not reconciled');
      return undefined;
    }
    const byId = new Map(current.map((c) => [c.accessKeyId, c]));
    const plan: CredentialPlan = { create: [], update: [], delete: [] };
    for (const want of desired) {
      const existing = byId.get(want.accessKeyId);
      if (!existing) plan.create.push(want);
      else if (isFileManaged(existing)) plan.update.push({ want, current: existing });
      else {
        throw new ConfigFileError(
          `${want.at}.accessKeyId "${want.accessKeyId}" belongs to a credential created through the management API`,
        );
      }
    }
    const wanted = new Set(desired.map((d) => d.accessKeyId));
    plan.delete = current.filter((c) => isFileManaged(c) && !wanted.has(c.accessKeyId));
    return plan;
  }

  /** Carries the plan out one credential at a time; a failure is logged and counted. */
  async apply(plan: CredentialPlan): Promise<CredentialOutcome> {
    const outcome: CredentialOutcome = { created: 0, updated: 0, deleted: 0, failed: 0 };
    const attempt = async (
      accessKeyId: string,
      step: () => Promise<boolean>,
      count: keyof CredentialOutcome,
    ) => {
      try {
        if (await step()) outcome[count]++;
      } catch (err) {
        outcome.failed++;
        this.logger.error(
          { accessKeyId, err: (err as Error).message },
          'config file credential not reconciled',
        );
      }
    };
    for (const want of plan.create) {
      await attempt(
        want.accessKeyId,
        async () => {
          await this.credentials.createRaw({
            ...fieldsOf(want),
            tags: { [MANAGED_BY_TAG]: MANAGED_BY_CONFIG_FILE },
          });
          return true;
        },
        'created',
      );
    }
    for (const { want, current } of plan.update) {
      await attempt(
        want.accessKeyId,
        async () => {
          const { description, ...fields } = fieldsOf(want);
          const after = await this.credentials.updateRaw({
            ...fields,
            description: description ?? '',
          });
          return after.lastUpdatedDate !== current.lastUpdatedDate;
        },
        'updated',
      );
    }
    for (const gone of plan.delete) {
      await attempt(
        gone.accessKeyId,
        async () => {
          await this.credentials.delete(gone.accessKeyId);
          return true;
        },
        'deleted',
      );
    }
    return outcome;
  }
}

function fieldsOf(want: DesiredCredential) {
  const { at: _at, ...fields } = want;
  return fields;
}
