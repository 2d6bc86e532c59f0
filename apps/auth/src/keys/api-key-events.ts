import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  AUTH_APIKEY_CHANGED,
  AUTH_CREDENTIAL_CHANGED,
  AUTH_REVISION,
  type ApiKeyChangedEvent,
  type AuthRevisionEvent,
  type CredentialChangedEvent,
} from '@portico/contracts';
import { NATS_CONNECTION, PeriodicTask, type PeriodicSchedule } from '@portico/platform';
import type { NatsConnection } from 'nats';
import { AUTH_CONFIG, type AuthConfig } from '../config';
import { ApiKeyStore } from './api-key-store';
import { API_KEY_STORE } from './tokens';

/**
 * What edges hear from the key store: an event per changed key (they drop what they cached for
 * it), and the store's revision every AUTH_REVISION_INTERVAL_MS — an edge that sees it move
 * without the events that moved it (NATS dropped them) forgets every key it cached, so a
 * revoked key stops working within about one interval even then.
 */
@Injectable()
export class ApiKeyEvents extends PeriodicTask {
  protected readonly logger = new Logger(ApiKeyEvents.name);

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(API_KEY_STORE) private readonly store: ApiKeyStore,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {
    super();
  }

  protected schedule(): PeriodicSchedule {
    return {
      intervalMs: this.config.AUTH_REVISION_INTERVAL_MS,
      immediately: true,
      failure: 'Could not announce the key revision',
    };
  }

  changed(apiKeyId: string, change: ApiKeyChangedEvent['change']): void {
    this.publish(AUTH_APIKEY_CHANGED, { apiKeyId, change } satisfies ApiKeyChangedEvent);
  }

  /** Credentials move the same revision: an edge that misses this event still forgets. */
  credentialChanged(accessKeyId: string, change: CredentialChangedEvent['change']): void {
    this.publish(AUTH_CREDENTIAL_CHANGED, { accessKeyId, change } satisfies CredentialChangedEvent);
  }

  /** Announces the store's revision. */
  protected async run(): Promise<void> {
    const revision = await this.store.revision();
    this.publish(AUTH_REVISION, { revision } satisfies AuthRevisionEvent);
  }

  /** Fire and forget: the revision announcement covers an event that is lost. */
  private publish(subject: string, event: object): void {
    if (this.nc.isClosed()) return;
    try {
      this.nc.publish(subject, Buffer.from(JSON.stringify(event)));
    } catch (err) {
      this.logger.warn({ subject, err: String(err) }, 'Could not publish');
    }
  }
}
