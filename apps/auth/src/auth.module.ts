import { type DynamicModule, Module } from '@nestjs/common';
import { PlatformModule, REDIS_CLIENT, type ServiceRuntime } from '@portico/platform';
import type Redis from 'ioredis';
import { AUTH_CONFIG, type AuthConfig, previousSecretKeys } from './config';
import { CredentialStore } from './credentials/credential-store';
import { CredentialsService } from './credentials/credentials.service';
import { CREDENTIAL_STORE } from './credentials/tokens';
import { ApiKeyEvents } from './keys/api-key-events';
import { ApiKeyStore } from './keys/api-key-store';
import { ApiKeysService } from './keys/api-keys.service';
import { AuthTransport } from './keys/auth.transport';
import { SecretBox } from './keys/secret-box';
import { SecretRotation } from './keys/secret-rotation';
import { API_KEY_STORE } from './keys/tokens';

/** The auth service: API keys and IAM-style credentials; authorizers and policies next. */
@Module({})
export class AuthModule {
  static forRoot(config: AuthConfig, runtime: ServiceRuntime): DynamicModule {
    return {
      module: AuthModule,
      imports: [PlatformModule.forRoot({ runtime, httpRequestLogging: false })],
      providers: [
        { provide: AUTH_CONFIG, useValue: config },
        {
          provide: API_KEY_STORE,
          inject: [REDIS_CLIENT],
          useFactory: (redis: Redis) => new ApiKeyStore(redis, config.REDIS_KEY_PREFIX),
        },
        {
          provide: SecretBox,
          useFactory: () =>
            new SecretBox(
              Buffer.from(config.AUTH_SECRET_KEY, 'base64'),
              previousSecretKeys(config).map((key) => Buffer.from(key, 'base64')),
            ),
        },
        {
          provide: CREDENTIAL_STORE,
          inject: [REDIS_CLIENT],
          useFactory: (redis: Redis) => new CredentialStore(redis, config.REDIS_KEY_PREFIX),
        },
        ApiKeyEvents,
        SecretRotation,
        ApiKeysService,
        CredentialsService,
        AuthTransport,
      ],
    };
  }
}
