import type { EdgeConfig } from '../config';
import { GatewayError } from '../responses/gateway-error';
import type { CompiledStage } from '../stages/compiled-stage';
import type { ThrottleGate } from '../throttling/throttle-gate';
import type { BucketSet, ThrottleLimit } from '../throttling/throttle-plan';
import type { UsagePlanRegistry } from '../stages/usage-plan-registry';
import type { LiveConnection } from './live-connection';
import type { CompiledWebSocket, ServedRoute } from './route-selection';
import { messageBuckets, takeMessageToken } from './websocket-throttling';

/** Why a message was refused, for the messages metric. */
export type RefusalOutcome =
  'connection_throttled' | 'throttled' | 'quota_exceeded' | 'throttle_unavailable';

export interface MessageRefusal {
  /** Its `clientMessage` is the `message` of the error frame the client gets. */
  error: GatewayError;
  outcome: RefusalOutcome;
}

/**
 * Decides every message a client sends, before its route's integration runs: the connection's
 * own message rate (local, exact: a connection lives on one edge), then — for a message that
 * selected a route — the account's bucket and the route's throttling (its own, else the
 * stage default) through the ratelimit service, as ThrottleGate decides a REST request; and, for a
 * connection `$connect` admitted with an API key, the key's usage plan as it is now (its bucket
 * for the key and its quota: 429 Limit Exceeded). A key no plan of the stage holds any more
 * adds nothing: keys are checked at `$connect`, as on API Gateway.
 */
export class MessageAdmission {
  private readonly account: ThrottleLimit;
  /** Bucket sets per compiled WebSocket stage and route key, built once, not per message. */
  private readonly sets = new WeakMap<CompiledWebSocket, Map<string, BucketSet>>();

  constructor(
    private readonly config: EdgeConfig,
    private readonly gate: ThrottleGate,
    private readonly plans: UsagePlanRegistry,
  ) {
    this.account = {
      ratePerSecond: config.THROTTLE_ACCOUNT_RATE,
      burst: config.THROTTLE_ACCOUNT_BURST,
    };
  }

  /** Undefined: admitted. Never throws. */
  async admit(
    conn: LiveConnection,
    stage: CompiledStage,
    route: ServedRoute | undefined,
    requestId: string,
  ): Promise<MessageRefusal | undefined> {
    const rate = this.config.WS_MESSAGE_RATE_PER_CONNECTION;
    if (
      rate > 0 &&
      !takeMessageToken(conn, rate, this.config.WS_MESSAGE_BURST_PER_CONNECTION, Date.now())
    ) {
      return {
        error: GatewayError.of('THROTTLED', 'Per-connection message rate'),
        outcome: 'connection_throttled',
      };
    }
    // A message no route takes reaches no backend: only its connection's rate applies.
    if (!route || !stage.webSocket) return undefined;
    const keyId = conn.caller.apiKey?.id;
    const plan = keyId ? this.plans.planFor(stage.apiId, stage.stageName, keyId) : undefined;
    const set =
      keyId && plan
        ? messageBuckets(this.account, stage.webSocket.throttling, {
            apiId: stage.apiId,
            stageName: stage.stageName,
            routeKey: route.routeKey,
            apiKey: { id: keyId, plan },
          })
        : this.bucketsOf(stage, stage.webSocket, route);
    const error = await this.gate.admit(set, requestId);
    if (!error) return undefined;
    return { error, outcome: refusalOutcome(error) };
  }

  private bucketsOf(stage: CompiledStage, ws: CompiledWebSocket, route: ServedRoute): BucketSet {
    let byRoute = this.sets.get(ws);
    if (!byRoute) {
      byRoute = new Map();
      this.sets.set(ws, byRoute);
    }
    let set = byRoute.get(route.routeKey);
    if (!set) {
      set = messageBuckets(this.account, ws.throttling, {
        apiId: stage.apiId,
        stageName: stage.stageName,
        routeKey: route.routeKey,
      });
      byRoute.set(route.routeKey, set);
    }
    return set;
  }
}

function refusalOutcome(error: GatewayError): RefusalOutcome {
  if (error.responseType === 'QUOTA_EXCEEDED') return 'quota_exceeded';
  return error.statusCode === 429 ? 'throttled' : 'throttle_unavailable';
}
