import { Injectable, Logger } from '@nestjs/common';
import {
  DefinitionStore,
  type WebSocketAuthorizer,
  type WebSocketDefinition,
} from '@portico/definitions';
import { AwsConflictException, AwsNotFoundException } from '../common/aws-errors';
import { paginate } from '../common/pagination';
import { routeUsing, unusedId, webSocketAuthorizer } from './websocket-api.factory';
import type { CreateAuthorizerBody, UpdateAuthorizerBody } from './websocket-api.schemas';
import { authorizerShape, pageOf, v2Page, type V2PageQuery } from './websocket-api.shapes';
import { changeWebSocket, readWebSocket } from './websocket-definitions';

type Shape = Record<string, unknown>;

/**
 * Lambda REQUEST authorizers of a WebSocket API (v2 CreateAuthorizer and friends). `$connect`
 * names one with authorizationType CUSTOM; changes reach stages with the next deployment.
 */
@Injectable()
export class WebSocketAuthorizersService {
  private readonly logger = new Logger(WebSocketAuthorizersService.name);

  constructor(private readonly store: DefinitionStore) {}

  async create(apiId: string, req: CreateAuthorizerBody): Promise<Shape> {
    const created = await this.change(apiId, (ws) => {
      const authorizers = ws.authorizers ?? {};
      const authorizer = webSocketAuthorizer(unusedId(authorizers), req);
      return {
        next: { ...ws, authorizers: { ...authorizers, [authorizer.authorizerId]: authorizer } },
        result: authorizer,
      };
    });
    this.logger.log(
      { apiId, authorizerId: created.authorizerId, name: created.name },
      'authorizer created',
    );
    return authorizerShape(created);
  }

  async list(apiId: string, query: V2PageQuery): Promise<{ items: Shape[]; nextToken?: string }> {
    const ws = await this.read(apiId);
    const page = paginate(Object.values(ws.authorizers ?? {}), pageOf(query));
    return v2Page({ ...page, item: page.item.map(authorizerShape) });
  }

  async get(apiId: string, authorizerId: string): Promise<Shape> {
    return authorizerShape(findAuthorizer(await this.read(apiId), authorizerId));
  }

  /** UpdateAuthorizer: the members given replace the stored ones, checked as on create. */
  async update(apiId: string, authorizerId: string, req: UpdateAuthorizerBody): Promise<Shape> {
    const updated = await this.change(apiId, (ws) => {
      const { authorizerId: _id, ...current } = findAuthorizer(ws, authorizerId);
      const authorizer = webSocketAuthorizer(authorizerId, { ...current, ...req });
      return {
        next: { ...ws, authorizers: { ...ws.authorizers, [authorizerId]: authorizer } },
        result: authorizer,
      };
    });
    this.logger.log({ apiId, authorizerId }, 'authorizer updated');
    return authorizerShape(updated);
  }

  /** An authorizer `$connect` uses stays: AWS refuses (409), and so do we. */
  async delete(apiId: string, authorizerId: string): Promise<void> {
    await this.change(apiId, (ws) => {
      const gone = findAuthorizer(ws, authorizerId);
      const user = routeUsing(ws, authorizerId);
      if (user) {
        throw new AwsConflictException(
          `Cannot delete authorizer '${gone.name}', is referenced in route: ${user.routeKey}`,
        );
      }
      const { [authorizerId]: _gone, ...authorizers } = ws.authorizers ?? {};
      return { next: { ...ws, authorizers }, result: undefined };
    });
    this.logger.log({ apiId, authorizerId }, 'authorizer deleted');
  }

  private read(apiId: string): Promise<WebSocketDefinition> {
    return readWebSocket(this.store, apiId);
  }

  private change<T>(
    apiId: string,
    fn: (ws: WebSocketDefinition) => { next: WebSocketDefinition; result: T },
  ): Promise<T> {
    return changeWebSocket(this.store, apiId, fn);
  }
}

function findAuthorizer(ws: WebSocketDefinition, authorizerId: string): WebSocketAuthorizer {
  const found =
    ws.authorizers && Object.hasOwn(ws.authorizers, authorizerId)
      ? ws.authorizers[authorizerId]
      : undefined;
  if (!found) {
    throw new AwsNotFoundException(`Invalid authorizer identifier specified: ${authorizerId}`);
  }
  return found;
}
