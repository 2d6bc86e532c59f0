import { isDeepStrictEqual } from 'node:util';
import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  ACCESS_KEY_ID_PATTERN,
  type CreateCredentialRequest,
  type CredentialView,
  type DeleteCredentialRequest,
  type GetCredentialRequest,
  type ListCredentialsRequest,
  type SigningCredential,
  type SigningKeyRequest,
  type UpdateCredentialRequest,
} from '@portico/contracts';
import { ServiceError } from '@portico/platform';
import { AUTH_CONFIG, type AuthConfig } from '../config';
import { ApiKeyEvents } from '../keys/api-key-events';
import { definedOf, generate } from '../keys/generate';
import { SecretBox } from '../keys/secret-box';
import { CredentialStore, isListingCursor, type StoredCredential } from './credential-store';
import {
  checkAccessKeyId,
  checkDescription,
  checkEnabled,
  checkPolicies,
  checkScope,
  checkSecret,
  checkTags,
  checkUserName,
  signingKey,
} from './credential.rules';
import { CREDENTIAL_STORE } from './tokens';

/** Generated ids look like IAM's: a 4-letter prefix and 16 upper-case letters and digits. */
const ID_PREFIX = 'PKIA';
const ID_SUFFIX_LENGTH = 16;
const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
/** Generated secrets: 40 characters, as IAM's. */
const SECRET_LENGTH = 40;
const SECRET_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** Read-modify-write rounds an update or delete tries before giving up on a busy credential. */
const MAX_ATTEMPTS = 5;
const MAX_PAGE = 500;

/**
 * IAM-style credentials: managed for control, and for edges the day's signing key of one
 * (the secret itself never leaves the service). The secret is kept sealed; every change moves
 * the auth store's revision and is announced to edges.
 */
@Injectable()
export class CredentialsService {
  private readonly logger = new Logger(CredentialsService.name);

  constructor(
    @Inject(CREDENTIAL_STORE) private readonly store: CredentialStore,
    private readonly box: SecretBox,
    private readonly events: ApiKeyEvents,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  /** What an edge needs to verify a request signed with `accessKeyId` (absent when unknown). */
  async signingKey(req: SigningKeyRequest): Promise<{ credential?: SigningCredential }> {
    checkScope(req);
    if (typeof req.accessKeyId !== 'string' || !ACCESS_KEY_ID_PATTERN.test(req.accessKeyId)) {
      return {};
    }
    const stored = await this.store.get(req.accessKeyId);
    if (!stored) return {};
    return {
      credential: {
        accessKeyId: stored.accessKeyId,
        enabled: stored.enabled,
        userArn: `arn:aws:iam::${this.config.PORTICO_ACCOUNT_ID}:user/${stored.userName}`,
        policies: stored.policies,
        signingKey: signingKey(
          this.box.openStored(stored.box, { accessKeyId: stored.accessKeyId }),
          req,
        ).toString('base64'),
      },
    };
  }

  async create(req: CreateCredentialRequest): Promise<{ credential: CredentialView }> {
    if ((req.accessKeyId === undefined) !== (req.secretAccessKey === undefined)) {
      throw new ServiceError('BadRequest', 'Give both accessKeyId and secretAccessKey, or neither');
    }
    const accessKeyId = req.accessKeyId ?? ID_PREFIX + generate(ID_ALPHABET, ID_SUFFIX_LENGTH);
    const secret = req.secretAccessKey ?? generate(SECRET_ALPHABET, SECRET_LENGTH);
    checkAccessKeyId(accessKeyId);
    checkSecret(secret);
    checkUserName(req.userName);
    checkDescription(req.description);
    checkEnabled(req.enabled);
    checkPolicies(req.policies);
    checkTags(req.tags);
    const now = Date.now();
    const credential: StoredCredential = {
      accessKeyId,
      userName: req.userName,
      ...(req.description ? { description: req.description } : {}),
      enabled: req.enabled ?? true,
      policies: req.policies ?? [],
      tags: req.tags ?? {},
      createdDate: now,
      lastUpdatedDate: now,
      box: this.box.seal(secret),
    };
    if ((await this.store.put(credential)) !== 'written') {
      throw new ServiceError('Conflict', `Access key ${accessKeyId} already exists`);
    }
    this.logger.log({ accessKeyId, userName: req.userName }, 'Credential created');
    this.events.credentialChanged(accessKeyId, 'created');
    return { credential: { ...view(credential), secretAccessKey: secret } };
  }

  async get(req: GetCredentialRequest): Promise<{ credential: CredentialView }> {
    return { credential: view(await this.existing(req.accessKeyId)) };
  }

  async list(req: ListCredentialsRequest): Promise<{ items: CredentialView[]; position?: string }> {
    const limit = req.limit;
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
      throw new ServiceError('BadRequest', `limit must be an integer from 1 to ${MAX_PAGE}`);
    }
    const { items, next } = await this.store.page(cursorOf(req.position), limit);
    return {
      items: items.map(view),
      ...(next === undefined ? {} : { position: Buffer.from(next).toString('base64url') }),
    };
  }

  /**
   * Applies the changes to the credential as it is now: when another call wrote it between the
   * read and the write, the changes are applied again to what that call left, so neither is
   * lost. A change to nothing writes nothing.
   */
  async update(req: UpdateCredentialRequest): Promise<{ credential: CredentialView }> {
    if (req.userName !== undefined) checkUserName(req.userName);
    if (req.secretAccessKey !== undefined) checkSecret(req.secretAccessKey);
    checkDescription(req.description);
    checkEnabled(req.enabled);
    checkPolicies(req.policies);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const previous = await this.existing(req.accessKeyId);
      const next = this.changed(previous, req);
      if (!next) return { credential: view(previous) };
      if ((await this.store.put(next, previous)) === 'written') {
        this.logger.log({ accessKeyId: next.accessKeyId }, 'Credential updated');
        this.events.credentialChanged(next.accessKeyId, 'updated');
        return { credential: view(next) };
      }
    }
    throw busy();
  }

  async delete(req: DeleteCredentialRequest): Promise<object> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const credential = await this.existing(req.accessKeyId);
      if (await this.store.delete(credential)) {
        this.logger.log({ accessKeyId: credential.accessKeyId }, 'Credential deleted');
        this.events.credentialChanged(credential.accessKeyId, 'deleted');
        return {};
      }
    }
    throw busy();
  }

  /** The credential with `req`'s changes, or undefined when they change nothing. */
  private changed(
    previous: StoredCredential,
    req: UpdateCredentialRequest,
  ): StoredCredential | undefined {
    const rotate =
      req.secretAccessKey !== undefined &&
      req.secretAccessKey !==
        this.box.openStored(previous.box, { accessKeyId: previous.accessKeyId });
    const { description, ...rest } = {
      ...previous,
      ...definedOf({
        userName: req.userName,
        description: req.description,
        enabled: req.enabled,
        policies: req.policies,
      }),
    };
    const next: StoredCredential = { ...rest, ...(description ? { description } : {}) };
    if (!rotate && isDeepStrictEqual(next, previous)) return undefined;
    return {
      ...next,
      lastUpdatedDate: Date.now(),
      box: rotate ? this.box.seal(req.secretAccessKey!) : previous.box,
    };
  }

  private async existing(accessKeyId: unknown): Promise<StoredCredential> {
    const credential =
      typeof accessKeyId === 'string' && ACCESS_KEY_ID_PATTERN.test(accessKeyId)
        ? await this.store.get(accessKeyId)
        : undefined;
    if (!credential) {
      throw new ServiceError(
        'NotFound',
        `The Access Key with id ${String(accessKeyId)} cannot be found`,
      );
    }
    return credential;
  }
}

function view(credential: StoredCredential): CredentialView {
  const { box: _box, ...record } = credential;
  return record;
}

/** A credential written by other calls at every attempt. */
function busy(): ServiceError {
  return new ServiceError(
    'Conflict',
    'The credential kept changing while this request tried to change it; retry',
  );
}

function cursorOf(position: unknown): string | undefined {
  if (position === undefined) return undefined;
  const decoded = typeof position === 'string' ? Buffer.from(position, 'base64url').toString() : '';
  if (!isListingCursor(decoded)) throw new ServiceError('BadRequest', 'Invalid position');
  return decoded;
}
