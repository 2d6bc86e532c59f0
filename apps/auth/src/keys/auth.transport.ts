import { Injectable } from '@nestjs/common';
import {
  AUTH_APIKEY_CREATE,
  AUTH_APIKEY_DELETE,
  AUTH_APIKEY_GET,
  AUTH_APIKEY_IMPORT,
  AUTH_APIKEY_LIST,
  AUTH_APIKEY_UPDATE,
  AUTH_APIKEY_VERIFY,
  AUTH_CREDENTIAL_CREATE,
  AUTH_CREDENTIAL_DELETE,
  AUTH_CREDENTIAL_GET,
  AUTH_CREDENTIAL_LIST,
  AUTH_CREDENTIAL_SIGNING_KEY,
  AUTH_CREDENTIAL_UPDATE,
  AUTH_QUEUE_GROUP,
  type VerifyApiKeyRequest,
} from '@portico/contracts';
import { jsonOf, type RequestHandler, RequestTransport } from '@portico/platform';
import { CredentialsService } from '../credentials/credentials.service';
import { ApiKeysService } from './api-keys.service';

/** The auth service's NATS subjects, served as the `portico-auth` queue group. */
@Injectable()
export class AuthTransport extends RequestTransport {
  protected readonly queue = AUTH_QUEUE_GROUP;

  constructor(
    private readonly keys: ApiKeysService,
    private readonly credentials: CredentialsService,
  ) {
    super();
  }

  protected routes(): Record<string, RequestHandler> {
    const ok =
      <T>(call: (req: T) => Promise<object>): RequestHandler =>
      async (msg) => ({ ok: true, ...(await call(jsonOf<T>(msg))) });
    const keys = this.keys;
    const credentials = this.credentials;
    return {
      [AUTH_APIKEY_VERIFY]: ok((req: VerifyApiKeyRequest) => keys.verify(req.value)),
      [AUTH_APIKEY_CREATE]: ok(keys.create.bind(keys)),
      [AUTH_APIKEY_GET]: ok(keys.get.bind(keys)),
      [AUTH_APIKEY_LIST]: ok(keys.list.bind(keys)),
      [AUTH_APIKEY_UPDATE]: ok(keys.update.bind(keys)),
      [AUTH_APIKEY_DELETE]: ok(keys.delete.bind(keys)),
      [AUTH_APIKEY_IMPORT]: ok(keys.import.bind(keys)),
      [AUTH_CREDENTIAL_SIGNING_KEY]: ok(credentials.signingKey.bind(credentials)),
      [AUTH_CREDENTIAL_CREATE]: ok(credentials.create.bind(credentials)),
      [AUTH_CREDENTIAL_GET]: ok(credentials.get.bind(credentials)),
      [AUTH_CREDENTIAL_LIST]: ok(credentials.list.bind(credentials)),
      [AUTH_CREDENTIAL_UPDATE]: ok(credentials.update.bind(credentials)),
      [AUTH_CREDENTIAL_DELETE]: ok(credentials.delete.bind(credentials)),
    };
  }
}
