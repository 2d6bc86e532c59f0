import type { DefinitionStore, WebSocketDefinition } from '@portico/definitions';
import { apiScope } from '../common/locking';
import { requireApi } from '../common/lookups';
import { webSocketOf, withWebSocket } from './websocket-api.factory';

/** The WebSocket part of a WebSocket API's definition (404 for an unknown API). */
export async function readWebSocket(
  store: DefinitionStore,
  apiId: string,
): Promise<WebSocketDefinition> {
  return webSocketOf(await requireApi(store, apiId, 'WEBSOCKET'));
}

/**
 * Read-modify-write of a WebSocket API's definition under the API's lock; stages keep serving
 * their deployment until the next one (as AWS).
 */
export function changeWebSocket<T>(
  store: DefinitionStore,
  apiId: string,
  fn: (ws: WebSocketDefinition) => { next: WebSocketDefinition; result: T },
): Promise<T> {
  return store.withLock(apiScope(apiId), async () => {
    const api = await requireApi(store, apiId, 'WEBSOCKET');
    const { next, result } = fn(webSocketOf(api));
    await store.putRestApi(withWebSocket(api, next));
    return result;
  });
}
