import type { AuthReply } from './api-key';

/**
 * IAM-style credentials (an access key id and its secret, with the identity policies attached
 * to it), owned by the auth service. Clients sign data-plane requests with them (Signature
 * Version 4, as for a method with `authorizationType: AWS_IAM`); edges verify the signature
 * themselves with a signing key the service derives for one day, region and service, so the
 * secret never leaves the service. Control manages credentials (beyond AWS, which keeps them in
 * IAM) and the config file declares them.
 */

/** Edge → auth, request-reply: the day's signing key of a credential. Reply: SigningKeyReply. */
export const AUTH_CREDENTIAL_SIGNING_KEY = 'portico.auth.credential.signing-key.v1' as const;
/** Control → auth, request-reply; the reply is a CredentialReply. */
export const AUTH_CREDENTIAL_CREATE = 'portico.auth.credential.create.v1' as const;
export const AUTH_CREDENTIAL_GET = 'portico.auth.credential.get.v1' as const;
export const AUTH_CREDENTIAL_UPDATE = 'portico.auth.credential.update.v1' as const;
export const AUTH_CREDENTIAL_DELETE = 'portico.auth.credential.delete.v1' as const;
/** Control → auth, request-reply; the reply is a ListCredentialsReply. */
export const AUTH_CREDENTIAL_LIST = 'portico.auth.credential.list.v1' as const;
/**
 * Auth → every edge, after a credential is created, updated or deleted: edges drop the signing
 * keys and policies they cached for it. Changes also move the auth revision (AUTH_REVISION).
 */
export const AUTH_CREDENTIAL_CHANGED = 'portico.auth.credential.changed.v1' as const;

/** Access key ids: 16 to 128 upper-case letters and digits, as IAM's. */
export const ACCESS_KEY_ID_PATTERN = /^[A-Z0-9]{16,128}$/;
/** Secrets given at create (generated ones are 40 characters, as IAM's). */
export const SECRET_ACCESS_KEY_MIN_LENGTH = 16;
export const SECRET_ACCESS_KEY_MAX_LENGTH = 128;

/** A credential as the service keeps it, without its secret. Times are epoch milliseconds. */
export interface CredentialRecord {
  accessKeyId: string;
  /** The principal the credential signs as: `arn:aws:iam::{account}:user/{userName}`. */
  userName: string;
  description?: string;
  enabled: boolean;
  /** Identity policies (IAM policy documents, as JSON objects) attached to the credential. */
  policies: object[];
  /** Labels; `portico:managed-by: config-file` marks a credential the config file owns. */
  tags: Record<string, string>;
  createdDate: number;
  lastUpdatedDate: number;
}

export interface SigningKeyRequest {
  accessKeyId: string;
  /** The credential scope's date, YYYYMMDD. */
  date: string;
  region: string;
  service: string;
}

/** What an edge needs to verify and authorize a signed request: absent for an unknown key. */
export interface SigningCredential {
  accessKeyId: string;
  enabled: boolean;
  userArn: string;
  policies: object[];
  /** HMAC chain of the secret over date, region, service and `aws4_request`, base64. */
  signingKey: string;
}

export type SigningKeyReply = AuthReply<{ credential?: SigningCredential }>;

/** A new credential: the id and the secret are generated when absent (give both or neither). */
export interface CreateCredentialRequest {
  accessKeyId?: string;
  secretAccessKey?: string;
  userName: string;
  description?: string;
  enabled?: boolean;
  policies?: object[];
  tags?: Record<string, string>;
}

export interface GetCredentialRequest {
  accessKeyId: string;
}

/**
 * Changes to one credential; absent fields stay as they are (`policies` replaces the list, an
 * empty `description` removes it, `secretAccessKey` rotates the secret). A change to nothing
 * writes nothing.
 */
export interface UpdateCredentialRequest {
  accessKeyId: string;
  secretAccessKey?: string;
  userName?: string;
  description?: string;
  enabled?: boolean;
  policies?: object[];
}

export interface DeleteCredentialRequest {
  accessKeyId: string;
}

/** The secret is in the reply to a create only. */
export type CredentialView = CredentialRecord & { secretAccessKey?: string };

export type CredentialReply = AuthReply<{ credential: CredentialView }>;

export interface ListCredentialsRequest {
  position?: string;
  limit: number;
}

export type ListCredentialsReply = AuthReply<{ items: CredentialView[]; position?: string }>;

export interface CredentialChangedEvent {
  accessKeyId: string;
  change: 'created' | 'updated' | 'deleted';
}
