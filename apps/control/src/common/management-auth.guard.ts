import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  Logger,
} from '@nestjs/common';
import { verifySigV4 } from '@portico/iam';
import type { FastifyRequest } from 'fastify';
import type { ControlConfig } from '../config';
import { AwsException } from './aws-errors';
import { CONTROL_CONFIG } from './tokens';

/** The signing name of Amazon API Gateway's management API, which the SDKs sign for. */
const SERVICE = 'apigateway';

/**
 * With CONTROL_ADMIN_CREDENTIALS set, every management request must carry a Signature Version
 * 4 `Authorization` header made with one of them, for this region and `apigateway`, as the AWS
 * SDKs and CLI sign it; anything else is answered with AWS's error and logged. Without them,
 * control listens on loopback only (config.ts) and lets every request through.
 */
@Injectable()
export class ManagementAuthGuard implements CanActivate {
  private readonly logger = new Logger(ManagementAuthGuard.name);

  constructor(@Inject(CONTROL_CONFIG) private readonly config: ControlConfig) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const credentials = this.config.adminCredentials;
    if (credentials.size === 0) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const url = request.raw.url ?? '/';
    const q = url.indexOf('?');
    const result = await verifySigV4(
      {
        method: request.method,
        path: q < 0 ? url : url.slice(0, q),
        rawQuery: q < 0 ? '' : url.slice(q + 1),
        headers: request.headers,
        body: Buffer.isBuffer(request.body) ? request.body : undefined,
      },
      { region: this.config.region, service: SERVICE, secretOf: (id) => credentials.get(id) },
    );
    if (result.ok) return true;
    this.logger.warn(
      { method: request.method, url, error: result.type, reason: result.message },
      'Management request refused',
    );
    throw new AwsException(result.type, result.status, result.message);
  }
}
