import {
  CHANNEL_PUBLISH_HEADER,
  CONNECTION_COMMAND_HEADER,
  CONNECTIONS_CHANNEL_MEMBERSHIP,
  CONNECTIONS_CHANNEL_PUBLISH,
  CONNECTIONS_COMMAND,
  CONNECTIONS_EDGE_HEARTBEAT,
  CONNECTIONS_LIST,
  CONNECTIONS_REGISTER,
  CONNECTIONS_UNREGISTER,
  type EdgeCommand,
  edgeCommandSubject,
  type RegisterConnectionRequest,
} from '@portico/contracts';
import type { ServiceHandle } from '@portico/platform';
import { eventually, startInfra, type TestInfra } from '@portico/testing';
import { connect, headers as natsHeaders, type NatsConnection } from 'nats';
import { bootstrap } from '../bootstrap';

/**
 * The registry over real NATS and Redis, driven as an edge drives it: registration, commands
 * routed to the owning edge's subject, channels, the dead-edge sweep, and every failure path
 * (malformed messages, a departed edge, Redis down) answered, never left hanging.
 */
describe('connections registry', () => {
  let infra: TestInfra;
  let service: ServiceHandle;
  let nc: NatsConnection;
  let seq = 0;

  const call = async (
    subject: string,
    body: unknown,
    header?: [string, unknown],
    data?: string,
  ) => {
    const h = natsHeaders();
    if (header) h.set(header[0], JSON.stringify(header[1]));
    const payload =
      data !== undefined
        ? Buffer.from(data)
        : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    const reply = await nc.request(subject, payload, { timeout: 3000, headers: h });
    return JSON.parse(reply.string()) as Record<string, unknown> & {
      ok: boolean;
      error?: { code: string };
    };
  };
  const record = (
    edgeId: string,
    extra: Partial<RegisterConnectionRequest> = {},
  ): RegisterConnectionRequest => ({
    connectionId: `conn${++seq}`,
    apiId: 'chat',
    stage: 'prod',
    edgeId,
    connectedAt: 1000,
    sourceIp: '127.0.0.1',
    tags: [],
    edgeTtlMs: 60_000,
    ...extra,
  });
  const command = (cmd: EdgeCommand, data = '') =>
    call(CONNECTIONS_COMMAND, undefined, [CONNECTION_COMMAND_HEADER, cmd], data);
  const list = async (filter: Record<string, string> = {}) =>
    (
      (await call(CONNECTIONS_LIST, { apiId: 'chat', stage: 'prod', ...filter })).connections as {
        connectionId: string;
      }[]
    ).map((c) => c.connectionId);

  /** A fake edge answering on its own subject as a real one does. */
  const fakeEdge = (edgeId: string, seen: EdgeCommand[]) =>
    nc.subscribe(edgeCommandSubject(edgeId), {
      callback: (_err, msg) => {
        seen.push(JSON.parse(msg.headers!.get(CONNECTION_COMMAND_HEADER)) as EdgeCommand);
        if (msg.reply) msg.respond(Buffer.from(JSON.stringify({ ok: true })));
      },
    });

  beforeAll(async () => {
    infra = await startInfra();
    service = await bootstrap({
      NATS_URL: infra.natsUrl,
      REDIS_URL: infra.redisUrl,
      REDIS_KEY_PREFIX: infra.redisKeyPrefix,
      REDIS_COMMAND_TIMEOUT_MS: '300',
      LOG_LEVEL: 'silent',
      OPS_HOST: '127.0.0.1',
      CONNECTIONS_OPS_PORT: '0',
      CONNECTIONS_SWEEP_MS: '200',
    });
    nc = await connect({ servers: infra.natsUrl });
  });

  afterAll(async () => {
    await nc?.drain();
    await service?.close();
    await infra?.stop();
  });

  it('answers malformed messages with BadRequest rather than silence', async () => {
    expect((await call(CONNECTIONS_REGISTER, 'not json')).error?.code).toBe('BadRequest');
    expect((await call(CONNECTIONS_COMMAND, undefined, undefined, 'x')).error?.code).toBe(
      'BadRequest',
    );
    const badTopic = await call(CONNECTIONS_CHANNEL_MEMBERSHIP, {
      apiId: 'chat',
      stage: 'prod',
      topic: 'has space',
      connectionId: 'c',
      action: 'join',
    });
    expect(badTopic.error?.code).toBe('BadRequest');
  });

  it('routes a command to the owning edge, scoped to API and stage, and forgets on unregister', async () => {
    const seen: EdgeCommand[] = [];
    const sub = fakeEdge('edge-a', seen);
    const r = record('edge-a', { tags: ['blue'] });
    expect((await call(CONNECTIONS_REGISTER, r)).ok).toBe(true);
    expect(
      await command(
        { op: 'post', apiId: 'chat', stage: 'prod', connectionId: r.connectionId },
        'hi',
      ),
    ).toEqual({ ok: true });
    expect(seen).toEqual([
      { op: 'post', apiId: 'chat', stage: 'prod', connectionId: r.connectionId },
    ]);
    const otherStage = await command({
      op: 'get',
      apiId: 'chat',
      stage: 'dev',
      connectionId: r.connectionId,
    });
    expect(otherStage.error?.code).toBe('Gone');
    expect(await list({ tag: 'blue' })).toEqual([r.connectionId]);

    await call(CONNECTIONS_UNREGISTER, {
      connectionId: r.connectionId,
      apiId: 'chat',
      edgeId: 'edge-a',
    });
    expect(
      (await command({ op: 'post', apiId: 'chat', stage: 'prod', connectionId: r.connectionId }))
        .error?.code,
    ).toBe('Gone');
    expect(await list({ tag: 'blue' })).toEqual([]);
    sub.unsubscribe();
  });

  it('answers Gone at once and removes the connection when its edge has no subscriber left', async () => {
    const r = record('edge-gone');
    await call(CONNECTIONS_REGISTER, r);
    const reply = await command({
      op: 'post',
      apiId: 'chat',
      stage: 'prod',
      connectionId: r.connectionId,
    });
    expect(reply.error?.code).toBe('Gone');
    expect(await list()).not.toContain(r.connectionId);
  });

  it('fans a channel publish out once per edge with that edge’s members, and leaves the channel on unregister', async () => {
    const seenA: EdgeCommand[] = [];
    const seenB: EdgeCommand[] = [];
    const subs = [fakeEdge('edge-fa', seenA), fakeEdge('edge-fb', seenB)];
    const members = [record('edge-fa'), record('edge-fa'), record('edge-fb')];
    for (const m of members) {
      await call(CONNECTIONS_REGISTER, m);
      await call(CONNECTIONS_CHANNEL_MEMBERSHIP, {
        apiId: 'chat',
        stage: 'prod',
        topic: 'room',
        connectionId: m.connectionId,
        action: 'join',
      });
    }
    const publish = () =>
      call(
        CONNECTIONS_CHANNEL_PUBLISH,
        undefined,
        [CHANNEL_PUBLISH_HEADER, { apiId: 'chat', stage: 'prod', topic: 'room' }],
        'x',
      );
    expect(await publish()).toEqual({ ok: true, recipients: 3 });
    await eventually(() => expect(seenA.length + seenB.length).toBe(2));
    const toA = seenA[0] as { op: string; connectionIds: string[] };
    expect(toA.op).toBe('fanout');
    expect([...toA.connectionIds].sort()).toEqual(
      [members[0]!.connectionId, members[1]!.connectionId].sort(),
    );
    await call(CONNECTIONS_UNREGISTER, {
      connectionId: members[2]!.connectionId,
      apiId: 'chat',
      edgeId: 'edge-fb',
    });
    expect(await publish()).toEqual({ ok: true, recipients: 2 });
    const joinGone = await call(CONNECTIONS_CHANNEL_MEMBERSHIP, {
      apiId: 'chat',
      stage: 'prod',
      topic: 'room',
      connectionId: 'nobody',
      action: 'join',
    });
    expect(joinGone.error?.code).toBe('Gone');
    for (const s of subs) s.unsubscribe();
  });

  it('sweeps the connections of an edge whose heartbeat expired, and says so to an edge that returns', async () => {
    expect(
      await call(CONNECTIONS_EDGE_HEARTBEAT, { edgeId: 'edge-hb', connections: 1, ttlMs: 300 }),
    ).toEqual({ ok: true, known: false });
    const r = record('edge-hb', { edgeTtlMs: 300 });
    await call(CONNECTIONS_REGISTER, r);
    expect(
      await call(CONNECTIONS_EDGE_HEARTBEAT, { edgeId: 'edge-hb', connections: 1, ttlMs: 300 }),
    ).toEqual({ ok: true, known: true });
    expect(await list()).toContain(r.connectionId);
    await eventually(async () => expect(await list()).not.toContain(r.connectionId), 5000);
    expect(
      await call(CONNECTIONS_EDGE_HEARTBEAT, { edgeId: 'edge-hb', connections: 1, ttlMs: 300 }),
    ).toEqual({ ok: true, known: false });
  });

  it('answers Unavailable within the command timeout while Redis is down, and works again after', async () => {
    if (infra.source === 'env') return; // an external Redis cannot be stopped by a test
    await infra.stopRedis();
    try {
      // `call` gives up after 3 s: a hang fails here rather than passing late.
      const reply = await call(CONNECTIONS_REGISTER, record('edge-r'));
      expect(reply.error?.code).toBe('Unavailable');
    } finally {
      await infra.startRedis();
    }
    await eventually(async () =>
      expect((await call(CONNECTIONS_REGISTER, record('edge-r'))).ok).toBe(true),
    );
  });
});
