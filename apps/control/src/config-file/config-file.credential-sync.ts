import { Injectable, Logger } from '@nestjs/common';
import type { CredentialView } from '@portico/contracts';
import { CredentialsService } from '../credentials/credentials.service';
import { ConfigFileAuthSync, type SyncPlan } from './config-file.auth-sync';
import type { DesiredCredential } from './config-file.credentials';
import { ConfigFileError } from './config-file.loader';
import { isFileManaged, MANAGED_BY_CONFIG_FILE, MANAGED_BY_TAG } from './config-file.planner';

/** What reconciling the file's credentials will do. */
export type CredentialPlan = SyncPlan<DesiredCredential, CredentialView>;

/**
 * The file's credentials, matched by access key id: an id the file declares that belongs to a
 * credential created through the management API makes the file invalid. Updates are sent as
 * declared (the service skips no-ops).
 */
@Injectable()
export class ConfigFileCredentialSync extends ConfigFileAuthSync<
  DesiredCredential,
  CredentialView
> {
  protected readonly kind = 'credential';
  protected readonly labelField = 'accessKeyId';

  constructor(private readonly credentials: CredentialsService) {
    super(new Logger(ConfigFileCredentialSync.name));
  }

  protected current(): Promise<CredentialView[]> {
    return this.credentials.all();
  }

  protected match(desired: DesiredCredential[], current: CredentialView[]): CredentialPlan {
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

  protected label(record: DesiredCredential | CredentialView): string {
    return record.accessKeyId;
  }

  protected async create(want: DesiredCredential): Promise<void> {
    await this.credentials.createRaw({
      ...fieldsOf(want),
      tags: { [MANAGED_BY_TAG]: MANAGED_BY_CONFIG_FILE },
    });
  }

  protected async update(want: DesiredCredential, current: CredentialView): Promise<boolean> {
    const { description, ...fields } = fieldsOf(want);
    const after = await this.credentials.updateRaw({ ...fields, description: description ?? '' });
    return after.lastUpdatedDate !== current.lastUpdatedDate;
  }

  protected remove(gone: CredentialView): Promise<void> {
    return this.credentials.delete(gone.accessKeyId);
  }
}

function fieldsOf(want: DesiredCredential) {
  const { at: _at, ...fields } = want;
  return fields;
}
