import { Injectable } from '@nestjs/common';
import {
  AUTH_CREDENTIAL_CREATE,
  AUTH_CREDENTIAL_DELETE,
  AUTH_CREDENTIAL_GET,
  AUTH_CREDENTIAL_LIST,
  AUTH_CREDENTIAL_UPDATE,
  type CreateCredentialRequest,
  type CredentialView,
  type ListCredentialsRequest,
  type UpdateCredentialRequest,
} from '@portico/contracts';
import { AuthClient } from '../apikeys/auth-client';
import { AwsBadRequestException } from '../common/aws-errors';
import { pageLimit } from '../common/pagination';
import { refuseReservedTags } from '../common/reserved-tags';
import type { PatchOperation } from '../common/patch-operations';
import { policyDocuments } from './credential-policies';
import type { CreateCredentialBody } from './credential.schemas';
import { type CredentialShape, credentialShape } from './credential.shapes';

/** The patch paths UpdateCredential takes. */
const REPLACEABLE = ['/userName', '/description', '/enabled', '/policies'] as const;
/** Page size when reading every credential. */
const ALL_PAGE = 500;

const badRequest = (message: string) => new AwsBadRequestException(message);

/**
 * Credentials for AWS_IAM methods (beyond AWS, which keeps them in IAM): shapes and checks
 * here, the credentials themselves in the auth service, which keeps the secrets sealed and
 * tells edges about every change.
 */
@Injectable()
export class CredentialsService {
  constructor(private readonly auth: AuthClient) {}

  async create(body: CreateCredentialBody): Promise<CredentialShape> {
    refuseReservedTags(body.tags);
    return credentialShape(
      await this.createRaw({
        ...body,
        policies: body.policies && policyDocuments(body.policies, 'policies', badRequest),
      }),
    );
  }

  /** A create as the config file makes it: any tags, nothing reshaped. */
  async createRaw(request: CreateCredentialRequest): Promise<CredentialView> {
    return (await this.auth.call<{ credential: CredentialView }>(AUTH_CREDENTIAL_CREATE, request))
      .credential;
  }

  async get(accessKeyId: string): Promise<CredentialShape> {
    const { credential } = await this.auth.call<{ credential: CredentialView }>(
      AUTH_CREDENTIAL_GET,
      { accessKeyId },
    );
    return credentialShape(credential);
  }

  async list(query: {
    limit?: string;
    position?: string;
  }): Promise<{ item: CredentialShape[]; position?: string }> {
    const { items, position } = await this.page({
      limit: pageLimit(query.limit),
      position: query.position || undefined,
    });
    return { item: items.map(credentialShape), ...(position ? { position } : {}) };
  }

  /** Every credential, oldest first. */
  async all(): Promise<CredentialView[]> {
    const all: CredentialView[] = [];
    let position: string | undefined;
    do {
      const page = await this.page({ limit: ALL_PAGE, position });
      all.push(...page.items);
      position = page.position;
    } while (position);
    return all;
  }

  async update(accessKeyId: string, operations: PatchOperation[]): Promise<CredentialShape> {
    const update: UpdateCredentialRequest = { accessKeyId };
    for (const { op, path, value } of operations) {
      if (op !== 'replace' || !(REPLACEABLE as readonly string[]).includes(path ?? '')) {
        throw badRequest(
          `Invalid patch path '${path}' specified for op '${op}'. Must be one of: ` +
            `[replace ${REPLACEABLE.join(', replace ')}]`,
        );
      }
      Object.assign(update, replacement(path as (typeof REPLACEABLE)[number], value));
    }
    return credentialShape(await this.updateRaw(update));
  }

  async updateRaw(update: UpdateCredentialRequest): Promise<CredentialView> {
    return (await this.auth.call<{ credential: CredentialView }>(AUTH_CREDENTIAL_UPDATE, update))
      .credential;
  }

  async delete(accessKeyId: string): Promise<void> {
    await this.auth.call(AUTH_CREDENTIAL_DELETE, { accessKeyId });
  }

  private page(
    request: ListCredentialsRequest,
  ): Promise<{ items: CredentialView[]; position?: string }> {
    return this.auth.call(AUTH_CREDENTIAL_LIST, request);
  }
}

function replacement(
  path: (typeof REPLACEABLE)[number],
  value: string | undefined,
): Partial<UpdateCredentialRequest> {
  if (path === '/enabled') {
    if (value !== 'true' && value !== 'false') {
      throw badRequest(`Invalid value for /enabled: ${value} (expected true or false)`);
    }
    return { enabled: value === 'true' };
  }
  if (path === '/description') return { description: value ?? '' };
  if (value === undefined) throw badRequest(`replace ${path} needs a value`);
  if (path === '/policies') return { policies: policyDocuments(value, 'policies', badRequest) };
  return { userName: value };
}
