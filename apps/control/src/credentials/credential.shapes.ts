import type { CredentialView } from '@portico/contracts';

/**
 * A credential as the management API returns it: the auth service's view with its dates in
 * epoch seconds, as AWS's; the secret in the reply to a create only.
 */
export type CredentialShape = CredentialView;

export function credentialShape(credential: CredentialView): CredentialShape {
  return {
    accessKeyId: credential.accessKeyId,
    ...(credential.secretAccessKey === undefined
      ? {}
      : { secretAccessKey: credential.secretAccessKey }),
    userName: credential.userName,
    ...(credential.description === undefined ? {} : { description: credential.description }),
    enabled: credential.enabled,
    policies: credential.policies,
    tags: credential.tags,
    createdDate: credential.createdDate / 1000,
    lastUpdatedDate: credential.lastUpdatedDate / 1000,
  };
}
