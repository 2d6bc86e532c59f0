import { Inject, Injectable, Logger } from '@nestjs/common';
import { METRICS_REGISTRY, PeriodicTask, type PeriodicSchedule } from '@portico/platform';
import { Gauge, type Registry } from 'prom-client';
import { AUTH_CONFIG, type AuthConfig } from '../config';
import { CredentialStore, type StoredCredential } from '../credentials/credential-store';
import { CREDENTIAL_STORE } from '../credentials/tokens';
import { ApiKeyStore, type StoredApiKey } from './api-key-store';
import { SecretBox } from './secret-box';
import { API_KEY_STORE } from './tokens';

/** Records read (and moved) per round trip of a pass. */
const BATCH = 100;
/** Ids of records that cannot be opened named in one log line, at most. */
const LOGGED_IDS = 20;

/** What one pass found, so far. */
interface Tally {
  scanned: number;
  moved: number;
  /** Still under a previous secret after the pass: a concurrent write won, or a value clash. */
  pending: number;
  /** Opened by no configured secret: their ids, the first LOGGED_IDS of them. */
  unreadable: number;
  unreadableIds: string[];
}

/** What happened to one record. */
type Outcome = 'current' | 'moved' | 'pending' | 'unreadable';

/**
 * Moves the store to AUTH_SECRET_KEY while AUTH_PREVIOUS_SECRET_KEYS are configured: every
 * AUTH_ROTATION_INTERVAL_MS a pass over every API key and credential seals again, under the
 * current secret, each value or secret still sealed by a previous one, and moves the key's
 * lookup entry to its digest under the current secret, each record in one compare-and-set
 * script (a concurrent update or delete wins: the record is tried again next pass). No change
 * event is published and the store's revision stays: values do not change, only how they are
 * kept, so nothing edges cached goes stale.
 *
 * `portico_auth_records_under_previous_key` is what the last pass left under another secret
 * than the current one (NaN before the first pass ends): 0 means the previous secrets may go.
 * `portico_auth_records_unreadable` counts those no configured secret opens (a wrong or missing
 * previous secret); they are logged, never rewritten. Without previous secrets one pass runs
 * after start, only to report those.
 */
@Injectable()
export class SecretRotation extends PeriodicTask {
  protected readonly logger = new Logger(SecretRotation.name);
  private readonly underPrevious: Gauge;
  private readonly unreadable: Gauge;
  /** The last pass's result, to log a change of state once rather than every pass. */
  private last?: { left: number; unreadable: number };

  constructor(
    @Inject(API_KEY_STORE) private readonly keys: ApiKeyStore,
    @Inject(CREDENTIAL_STORE) private readonly credentials: CredentialStore,
    private readonly box: SecretBox,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    super();
    this.underPrevious = new Gauge({
      name: 'portico_auth_records_under_previous_key',
      help: 'API keys and credentials the last rotation pass left under a secret other than AUTH_SECRET_KEY (NaN before the first pass); 0: AUTH_PREVIOUS_SECRET_KEYS may be removed',
      registers: [registry],
    });
    this.unreadable = new Gauge({
      name: 'portico_auth_records_unreadable',
      help: 'API keys and credentials sealed by no configured secret key (NaN before the first pass)',
      registers: [registry],
    });
    this.underPrevious.set(Number.NaN);
    this.unreadable.set(Number.NaN);
  }

  protected schedule(): PeriodicSchedule {
    // Not at start: a replica restarted into a rotation serves before it rewrites anything.
    return {
      intervalMs: this.config.AUTH_ROTATION_INTERVAL_MS,
      failure: 'Secret key rotation pass failed; retrying next interval',
    };
  }

  /** One pass over the store: moves what a previous secret sealed, counts what none opens. */
  protected async run(): Promise<void> {
    if (!this.box.rotating && this.last) return;
    const tally: Tally = { scanned: 0, moved: 0, pending: 0, unreadable: 0, unreadableIds: [] };
    let cursor = '0';
    do {
      const batch = await this.keys.scan(cursor, BATCH);
      cursor = batch.cursor;
      for (const key of batch.keys) count(tally, await this.moveKey(key), key.id);
      this.progress(tally);
    } while (cursor !== '0');
    do {
      const batch = await this.credentials.scan(cursor, BATCH);
      cursor = batch.cursor;
      for (const credential of batch.credentials) {
        count(tally, await this.moveCredential(credential), credential.accessKeyId);
      }
      this.progress(tally);
    } while (cursor !== '0');
    this.report(tally);
  }

  private async moveKey(key: StoredApiKey): Promise<Outcome> {
    const state = this.box.inspect(key.box);
    if (state.state === 'current') return 'current';
    if (state.state === 'unreadable') return 'unreadable';
    if (!this.box.rotating) return state.state === 'legacy' ? 'current' : 'pending';
    const moved: StoredApiKey = {
      ...key,
      digest: this.box.digest(state.value),
      box: this.box.seal(state.value),
    };
    const outcome = await this.keys.rekey(moved, key);
    if (outcome === 'written') return state.state === 'legacy' ? 'current' : 'moved';
    if (outcome === 'value-taken') {
      this.logger.warn(
        { apiKeyId: key.id },
        'API key not moved to the current secret key: another key has the same value',
      );
    }
    // Changed or deleted meanwhile: that write wins, and the next pass looks again.
    const now = await this.keys.get(key.id);
    return now ? settled(this.box.inspect(now.box).state) : 'current';
  }

  private async moveCredential(credential: StoredCredential): Promise<Outcome> {
    const state = this.box.inspect(credential.box);
    if (state.state === 'current') return 'current';
    if (state.state === 'unreadable') return 'unreadable';
    if (!this.box.rotating) return state.state === 'legacy' ? 'current' : 'pending';
    const moved = { ...credential, box: this.box.seal(state.value) };
    if (await this.credentials.reseal(moved, credential)) {
      return state.state === 'legacy' ? 'current' : 'moved';
    }
    const now = await this.credentials.get(credential.accessKeyId);
    return now ? settled(this.box.inspect(now.box).state) : 'current';
  }

  private progress(tally: Tally): void {
    if (tally.moved === 0 || !this.box.rotating) return;
    this.logger.log(
      { scanned: tally.scanned, moved: tally.moved, pending: tally.pending },
      'Secret key rotation: records moved to the current key',
    );
  }

  private report(tally: Tally): void {
    const left = tally.pending + tally.unreadable;
    this.underPrevious.set(left);
    this.unreadable.set(tally.unreadable);
    const changed = this.last?.left !== left || this.last.unreadable !== tally.unreadable;
    this.last = { left, unreadable: tally.unreadable };
    if (!changed && tally.moved === 0) return;
    if (tally.unreadable > 0) {
      this.logger.error(
        { unreadable: tally.unreadable, ids: tally.unreadableIds },
        'Records sealed by a secret key that is not configured: they cannot be read or moved; add their key to AUTH_PREVIOUS_SECRET_KEYS',
      );
    }
    if (tally.pending > 0) {
      this.logger.warn(
        { pending: tally.pending },
        'Secret key rotation: records still under a previous key, trying again next pass',
      );
    }
    if (left === 0 && this.box.rotating) {
      this.logger.log(
        { scanned: tally.scanned, moved: tally.moved },
        'rotation complete: no record under a previous key',
      );
    }
  }
}

function count(tally: Tally, outcome: Outcome, id: string): void {
  tally.scanned++;
  if (outcome === 'moved') tally.moved++;
  else if (outcome === 'pending') tally.pending++;
  else if (outcome === 'unreadable') {
    tally.unreadable++;
    if (tally.unreadableIds.length < LOGGED_IDS) tally.unreadableIds.push(id);
  }
}

/** A record re-read after a lost compare-and-set: where it stands until the next pass. */
function settled(state: 'current' | 'legacy' | 'previous' | 'unreadable'): Outcome {
  if (state === 'unreadable') return 'unreadable';
  return state === 'previous' ? 'pending' : 'current';
}
