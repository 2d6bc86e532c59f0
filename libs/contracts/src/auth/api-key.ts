import type { PorticoError } from '../common/errors';

/**
 * API keys, owned by the auth service (queue group `portico-auth`). Edges verify a key's value
 * and cache the answer; control manages keys with AWS's operations and shapes, which it maps to
 * these calls. Key values cross NATS only in a verify request, a create or import, and a get
 * that asks for the value; the service keeps them encrypted and finds them by a keyed hash.
 */
export const AUTH_QUEUE_GROUP = 'portico-auth' as const;

/** Edge → auth, request-reply: which key has this value, if any. Reply: VerifyApiKeyReply. */
export const AUTH_APIKEY_VERIFY = 'portico.auth.apikey.verify.v1' as const;
/** Control → auth, request-reply; the reply is an ApiKeyReply. */
export const AUTH_APIKEY_CREATE = 'portico.auth.apikey.create.v1' as const;
export const AUTH_APIKEY_GET = 'portico.auth.apikey.get.v1' as const;
export const AUTH_APIKEY_UPDATE = 'portico.auth.apikey.update.v1' as const;
export const AUTH_APIKEY_DELETE = 'portico.auth.apikey.delete.v1' as const;
/** Control → auth, request-reply; the reply is a ListApiKeysReply. */
export const AUTH_APIKEY_LIST = 'portico.auth.apikey.list.v1' as const;
/** Control → auth, request-reply; the reply is an ImportApiKeysReply. */
export const AUTH_APIKEY_IMPORT = 'portico.auth.apikey.import.v1' as const;

/**
 * Auth → every edge, after a key is created, updated or deleted: edges drop what they cached
 * for it (and, on `created`, every "no such key" answer).
 */
export const AUTH_APIKEY_CHANGED = 'portico.auth.apikey.changed.v1' as const;
/**
 * Auth → every edge, every second: the revision of the key store. An edge that sees it move
 * without having seen the events that moved it (NATS dropped them) forgets every key it cached.
 */
export const AUTH_REVISION = 'portico.auth.revision.v1' as const;

/** Key values are 30 to 128 characters (generated ones are 40). */
export const API_KEY_MIN_LENGTH = 30;
export const API_KEY_MAX_LENGTH = 128;

/** An API key as the service keeps it, without its value. Times are epoch milliseconds. */
export interface ApiKeyRecord {
  id: string;
  name: string;
  description?: string;
  enabled: boolean;
  customerId?: string;
  /** `{restApiId}/{stageName}` (AWS's legacy stage keys). */
  stageKeys: string[];
  tags: Record<string, string>;
  createdDate: number;
  lastUpdatedDate: number;
}

export type AuthReply<T = object> = ({ ok: true } & T) | { ok: false; error: PorticoError };

export interface VerifyApiKeyRequest {
  value: string;
}

/** What an edge needs to admit a request: absent when no key has that value. */
export interface VerifiedApiKey {
  id: string;
  enabled: boolean;
}

export type VerifyApiKeyReply = AuthReply<{ key?: VerifiedApiKey }>;

/** The fields a create or an import sets; the value is generated when absent. */
export interface NewApiKey {
  name?: string;
  description?: string;
  enabled?: boolean;
  value?: string;
  customerId?: string;
  stageKeys?: string[];
  tags?: Record<string, string>;
}

export type CreateApiKeyRequest = NewApiKey;

export interface GetApiKeyRequest {
  id: string;
  includeValue?: boolean;
}

/** Changes to one key; absent fields stay as they are. */
export interface UpdateApiKeyRequest {
  id: string;
  name?: string;
  description?: string;
  enabled?: boolean;
  customerId?: string;
  addStageKeys?: string[];
  removeStageKeys?: string[];
}

export interface DeleteApiKeyRequest {
  id: string;
}

/** A key as management shows it: the value only when asked for. */
export type ApiKeyView = ApiKeyRecord & { value?: string };

export type ApiKeyReply = AuthReply<{ apiKey: ApiKeyView }>;

/** Keys in creation order, a page at a time (`position` is the last page's opaque cursor). */
export interface ListApiKeysRequest {
  position?: string;
  limit: number;
  /** Keys whose name starts with this. */
  nameQuery?: string;
  customerId?: string;
  includeValues?: boolean;
}

export type ListApiKeysReply = AuthReply<{ items: ApiKeyView[]; position?: string }>;

/**
 * Keys to create at once; a key whose value exists already replaces that key's fields (AWS's
 * import overwrites). All or nothing.
 */
export interface ImportApiKeysRequest {
  keys: Array<NewApiKey & { value: string }>;
}

export type ImportApiKeysReply = AuthReply<{ ids: string[] }>;

export interface ApiKeyChangedEvent {
  apiKeyId: string;
  change: 'created' | 'updated' | 'deleted';
}

export interface AuthRevisionEvent {
  revision: string;
}
