import { Injectable, Logger } from '@nestjs/common';
import type { ApiKeyView, UpdateApiKeyRequest } from '@portico/contracts';
import { ApiKeysService } from '../apikeys/apikeys.service';
import { ConfigFileAuthSync, type SyncPlan } from './config-file.auth-sync';
import type { DesiredApiKey } from './config-file.apikeys';
import { isFileManaged, MANAGED_BY_CONFIG_FILE, MANAGED_BY_TAG } from './config-file.planner';

/** What reconciling the file's API keys will do. */
export type ApiKeyPlan = SyncPlan<DesiredApiKey, ApiKeyView>;

/**
 * The file's API keys, matched by name among the keys the file owns. Key names are not unique
 * (as in AWS), so a key created through the management API under the same name is neither
 * claimed nor touched. A changed value replaces the key: the update contract cannot change a
 * value, so a new key is created under the same name and the old one deleted (a new id).
 */
@Injectable()
export class ConfigFileApiKeySync extends ConfigFileAuthSync<DesiredApiKey, ApiKeyView> {
  protected readonly kind = 'API key';
  protected readonly labelField = 'apiKeyName';

  constructor(private readonly keys: ApiKeysService) {
    super(new Logger(ConfigFileApiKeySync.name));
  }

  /** With values: a changed value is only visible by comparing them. */
  protected current(): Promise<ApiKeyView[]> {
    return this.keys.all(true);
  }

  protected match(desired: DesiredApiKey[], current: ApiKeyView[]): ApiKeyPlan {
    const owned = current.filter(isFileManaged);
    const plan: ApiKeyPlan = { create: [], update: [], delete: [] };
    const kept = new Set<string>();
    for (const want of desired) {
      const named = owned.filter((k) => k.name === want.name);
      // Two owned keys of one name are left by a replacement cut short: the one with the
      // declared value stays (else the oldest), the rest go.
      const keep = named.find((k) => k.value === want.value) ?? named[0];
      if (!keep) plan.create.push(want);
      else {
        kept.add(keep.id);
        plan.update.push({ want, current: keep });
      }
    }
    plan.delete = owned.filter((k) => !kept.has(k.id));
    return plan;
  }

  protected label(record: DesiredApiKey | ApiKeyView): string {
    return record.name;
  }

  protected async create(want: DesiredApiKey): Promise<void> {
    await this.keys.createRaw({
      name: want.name,
      value: want.value,
      description: want.description,
      enabled: want.enabled,
      customerId: want.customerId,
      stageKeys: want.stageKeys,
      tags: { [MANAGED_BY_TAG]: MANAGED_BY_CONFIG_FILE },
    });
  }

  protected async update(want: DesiredApiKey, current: ApiKeyView): Promise<boolean> {
    if (current.value !== want.value) {
      // The new key first, so that requests with the new value never meet a gap.
      await this.create(want);
      await this.keys.delete(current.id);
      return true;
    }
    const update = changesOf(want, current);
    if (!update) return false;
    await this.keys.updateRaw(update);
    return true;
  }

  protected remove(gone: ApiKeyView): Promise<void> {
    return this.keys.delete(gone.id);
  }
}

/** The update that makes `current` what the file wants; undefined when it is already. */
function changesOf(want: DesiredApiKey, current: ApiKeyView): UpdateApiKeyRequest | undefined {
  const update: UpdateApiKeyRequest = { id: current.id };
  // An absent field is cleared with '' (the service keeps what an update leaves out).
  if ((current.description ?? '') !== (want.description ?? '')) {
    update.description = want.description ?? '';
  }
  if ((current.customerId ?? '') !== (want.customerId ?? '')) {
    update.customerId = want.customerId ?? '';
  }
  if (current.enabled !== want.enabled) update.enabled = want.enabled;
  const added = want.stageKeys.filter((s) => !current.stageKeys.includes(s));
  const removed = current.stageKeys.filter((s) => !want.stageKeys.includes(s));
  if (added.length > 0) update.addStageKeys = added;
  if (removed.length > 0) update.removeStageKeys = removed;
  return Object.keys(update).length > 1 ? update : undefined;
}
