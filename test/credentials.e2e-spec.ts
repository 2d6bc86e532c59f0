import { createHmac } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AUTH_CREDENTIAL_SIGNING_KEY } from '@portico/contracts';
import {
  connectNats,
  createPinoLogger,
  type RunningService,
  type ServiceHandle,
} from '@portico/platform';
import { eventually, startInfra, type TestInfra } from '@portico/testing';
import { request } from 'undici';
import { controlHttp } from './support/control-http';
import { startTestAuth, startTestControl } from './support/services';

const SECRET = Buffer.alloc(32, 9).toString('base64');
const FILE_SECRET = 'FileSecretFromTheEnvironment0123456789ab';

const allow = (resource: string) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: resource }],
});

/** The config file: `declared` lists the access key ids (of the two below) it declares. */
const configFile = (declared: string[], extra = ''): string => {
  const entries: Record<string, string> = {
    PKIAFILEOWNED0000001: `
  - accessKeyId: PKIAFILEOWNED0000001
    secretAccessKeyEnv: FILE_CREDENTIAL_SECRET
    userName: file-user
    description: declared in the file
    policies:
      - Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Action: execute-api:Invoke
            Resource: arn:aws:execute-api:*:*:*/prod/GET/*
`,
    PKIAFILEOWNED0000002: `
  - accessKeyId: PKIAFILEOWNED0000002
    secretAccessKey: an-inline-secret-for-local-development
    userName: second
    enabled: false
`,
  };
  return `restApis: []\ncredentials:${declared.length === 0 ? ' []' : ''}\n${declared
    .map((id) => entries[id])
    .join('')}${extra}`;
};

/**
 * Credentials end to end: control's management API and config file over a real auth service,
 * NATS and Redis; what edges will ask for (the signing key) checked against an HMAC chain
 * computed here.
 */
describe('IAM-style credentials through control', () => {
  let infra: TestInfra;
  let control: RunningService;
  let auth: ServiceHandle | undefined;
  let nc: Awaited<ReturnType<typeof connectNats>>;
  let dir: string;

  const http = (method: string, path: string, body?: unknown) =>
    controlHttp(control.port, method, path, body);
  const patch = (id: string, ...patchOperations: object[]) =>
    http('PATCH', `/credentials/${id}`, { patchOperations });
  const signingKey = async (accessKeyId: string) => {
    const scope = { date: '20260115', region: 'us-east-1', service: 'execute-api' };
    const reply = await nc.request(
      AUTH_CREDENTIAL_SIGNING_KEY,
      Buffer.from(JSON.stringify({ accessKeyId, ...scope })),
      { timeout: 5_000 },
    );
    return (JSON.parse(reply.string()) as { credential?: { signingKey: string } }).credential;
  };
  const expectedKey = (secret: string) => {
    let key = createHmac('sha256', `AWS4${secret}`).update('20260115').digest();
    for (const part of ['us-east-1', 'execute-api', 'aws4_request']) {
      key = createHmac('sha256', key).update(part).digest();
    }
    return key.toString('base64');
  };

  beforeAll(async () => {
    infra = await startInfra();
    nc = await connectNats(infra.natsUrl, 'credentials-e2e', createPinoLogger('test', 'silent'));
    dir = mkdtempSync(join(tmpdir(), 'portico-credentials-'));
    writeFileSync(
      join(dir, 'portico.yaml'),
      configFile(['PKIAFILEOWNED0000001', 'PKIAFILEOWNED0000002']),
    );
    auth = await startTestAuth(infra, { AUTH_SECRET_KEY: SECRET });
    control = await startTestControl(infra, {
      PORTICO_CONFIG: join(dir, 'portico.yaml'),
      PORTICO_CONFIG_WATCH: 'true',
      FILE_CREDENTIAL_SECRET: FILE_SECRET,
    });
  });

  afterAll(async () => {
    await control?.close();
    await auth?.close();
    await nc?.close();
    await infra?.stop();
  });

  describe('the management API', () => {
    it('creates a credential (the secret once), gets, lists, updates and deletes it', async () => {
      const created = await http('POST', '/credentials', {
        userName: 'alice',
        description: 'made by hand',
        policies: [allow('arn:aws:execute-api:*:*:*/*'), JSON.stringify(allow('*'))],
      });
      expect(created.status).toBe(201);
      const id = created.body.accessKeyId as string;
      expect(created.body).toEqual({
        accessKeyId: expect.stringMatching(/^PKIA[A-Z0-9]{16}$/),
        secretAccessKey: expect.stringMatching(/^[A-Za-z0-9]{40}$/),
        userName: 'alice',
        description: 'made by hand',
        enabled: true,
        policies: [allow('arn:aws:execute-api:*:*:*/*'), allow('*')],
        tags: {},
        createdDate: expect.any(Number),
        lastUpdatedDate: expect.any(Number),
      });
      expect(await signingKey(id)).toMatchObject({
        signingKey: expectedKey(created.body.secretAccessKey as string),
      });

      const got = await http('GET', `/credentials/${id}`);
      expect(got.status).toBe(200);
      const { secretAccessKey: _secret, ...withoutSecret } = created.body;
      expect(got.body).toEqual(withoutSecret);

      const listed = await http('GET', '/credentials?limit=500');
      expect(listed.status).toBe(200);
      const items = listed.body.item as Array<Record<string, unknown>>;
      expect(items.map((c) => c.accessKeyId)).toContain(id);
      expect(items.every((c) => c.secretAccessKey === undefined)).toBe(true);

      const updated = await patch(
        id,
        { op: 'replace', path: '/userName', value: 'alice.renamed' },
        { op: 'replace', path: '/description', value: '' },
        { op: 'replace', path: '/enabled', value: 'false' },
        { op: 'replace', path: '/policies', value: JSON.stringify(allow('arn:one')) },
      );
      expect(updated.status).toBe(200);
      expect(updated.body).toMatchObject({
        userName: 'alice.renamed',
        enabled: false,
        policies: [allow('arn:one')],
      });
      expect(updated.body).not.toHaveProperty('description');

      expect((await http('DELETE', `/credentials/${id}`)).status).toBe(202);
      expect(await http('GET', `/credentials/${id}`)).toMatchObject({
        status: 404,
        type: 'NotFoundException',
        body: { message: `The Access Key with id ${id} cannot be found` },
      });
      expect(await signingKey(id)).toBeUndefined();
    });

    it('pages with position and limit as AWS lists do', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        ids.push(
          (await http('POST', '/credentials', { userName: `paged-${i}` })).body
            .accessKeyId as string,
        );
      }
      const seen: string[] = [];
      let position: string | undefined;
      let pages = 0;
      do {
        const page = await http(
          'GET',
          `/credentials?limit=1${position ? `&position=${encodeURIComponent(position)}` : ''}`,
        );
        expect(page.status).toBe(200);
        expect((page.body.item as unknown[]).length).toBeLessThanOrEqual(1);
        seen.push(...(page.body.item as Array<{ accessKeyId: string }>).map((c) => c.accessKeyId));
        position = page.body.position as string | undefined;
        pages++;
      } while (position && pages < 50);
      expect(seen.filter((id) => ids.includes(id))).toEqual(ids);
      expect(await http('GET', '/credentials?limit=0')).toMatchObject({
        status: 400,
        type: 'BadRequestException',
      });
    });

    it('answers bad input with AWS-shaped 400s and a taken id with 409', async () => {
      const badPolicy = await http('POST', '/credentials', {
        userName: 'bad',
        policies: [
          { Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }] },
        ],
      });
      expect(badPolicy).toMatchObject({
        status: 400,
        type: 'BadRequestException',
        body: { message: 'policies[0]: Principal is not allowed in this policy' },
      });
      for (const body of [
        { userName: 'has space' },
        { userName: 'x', accessKeyId: 'lowercase-id-000000' },
        { userName: 'x', accessKeyId: 'PKIAONLYID0000000001' },
        { userName: 'x', tags: { 'portico:managed-by': 'config-file' } },
        { userName: 'x', unknown: true },
        { userName: 'x', policies: ['not json'] },
      ]) {
        expect(await http('POST', '/credentials', body)).toMatchObject({
          status: 400,
          type: 'BadRequestException',
        });
      }
      const made = {
        userName: 'taken',
        accessKeyId: 'PKIATAKENID000000001',
        secretAccessKey: 'T'.repeat(40),
      };
      expect((await http('POST', '/credentials', made)).status).toBe(201);
      expect(await http('POST', '/credentials', made)).toMatchObject({
        status: 409,
        type: 'ConflictException',
      });
      expect(
        await patch(made.accessKeyId, { op: 'replace', path: '/secretAccessKey', value: 'x' }),
      ).toMatchObject({ status: 400, type: 'BadRequestException' });
      expect(
        await patch(made.accessKeyId, { op: 'replace', path: '/policies', value: '[{}]' }),
      ).toMatchObject({ status: 400, type: 'BadRequestException' });
      expect(
        await patch('PKIANOSUCHKEY0000001', { op: 'replace', path: '/enabled', value: 'true' }),
      ).toMatchObject({ status: 404, type: 'NotFoundException' });
      expect(await http('DELETE', '/credentials/PKIANOSUCHKEY0000001')).toMatchObject({
        status: 404,
        type: 'NotFoundException',
      });
    });
  });

  describe('the config file', () => {
    it('creates the credentials it declares, tagged, with the secret from the environment', async () => {
      const owned = await http('GET', '/credentials/PKIAFILEOWNED0000001');
      expect(owned.body).toMatchObject({
        userName: 'file-user',
        description: 'declared in the file',
        enabled: true,
        tags: { 'portico:managed-by': 'config-file' },
      });
      expect(owned.body.secretAccessKey).toBeUndefined();
      expect(await signingKey('PKIAFILEOWNED0000001')).toMatchObject({
        signingKey: expectedKey(FILE_SECRET),
      });
      expect(await signingKey('PKIAFILEOWNED0000002')).toMatchObject({
        enabled: false,
        signingKey: expectedKey('an-inline-secret-for-local-development'),
      });
    });

    it('deletes what it no longer declares, restores what it does, and leaves the rest alone', async () => {
      const manual = await http('POST', '/credentials', { userName: 'by-hand' });
      const manualId = manual.body.accessKeyId as string;
      // A management change to a credential the file owns lasts until the file is applied again.
      await patch('PKIAFILEOWNED0000001', { op: 'replace', path: '/userName', value: 'edited' });
      writeFileSync(join(dir, 'portico.yaml'), configFile(['PKIAFILEOWNED0000001']));
      await eventually(async () =>
        expect((await http('GET', '/credentials/PKIAFILEOWNED0000002')).status).toBe(404),
      );
      expect((await http('GET', '/credentials/PKIAFILEOWNED0000001')).body.userName).toBe(
        'file-user',
      );
      expect((await http('GET', `/credentials/${manualId}`)).status).toBe(200);

      writeFileSync(join(dir, 'portico.yaml'), configFile([]));
      await eventually(async () =>
        expect((await http('GET', '/credentials/PKIAFILEOWNED0000001')).status).toBe(404),
      );
      expect((await http('GET', `/credentials/${manualId}`)).status).toBe(200);
    });

    it('refuses a file that claims a credential the management API made, changing nothing', async () => {
      const manual = await http('POST', '/credentials', {
        userName: 'claimed',
        accessKeyId: 'PKIACLAIMED000000001',
        secretAccessKey: 'C'.repeat(40),
      });
      expect(manual.status).toBe(201);
      writeFileSync(
        join(dir, 'portico.yaml'),
        configFile(
          ['PKIAFILEOWNED0000002'],
          `  - accessKeyId: PKIACLAIMED000000001
    secretAccessKey: ${'D'.repeat(40)}
    userName: thief
`,
        ),
      );
      const metrics = async () =>
        (await request(`http://127.0.0.1:${control.opsPort}/metrics`)).body.text();
      await eventually(async () =>
        expect(await metrics()).toMatch(
          /portico_control_config_file_deploys_total\{outcome="invalid"[^}]*\} [1-9]/,
        ),
      );
      expect((await http('GET', '/credentials/PKIACLAIMED000000001')).body).toMatchObject({
        userName: 'claimed',
        tags: {},
      });
      expect(await signingKey('PKIACLAIMED000000001')).toMatchObject({
        signingKey: expectedKey('C'.repeat(40)),
      });
      expect((await http('GET', '/credentials/PKIAFILEOWNED0000002')).status).toBe(404);
    });
  });

  it('answers 503 ServiceUnavailableException at once while auth is down', async () => {
    await auth?.close();
    auth = undefined;
    for (const [method, path] of [
      ['POST', '/credentials'],
      ['GET', '/credentials'],
      ['GET', '/credentials/PKIAFILEOWNED0000001'],
      ['DELETE', '/credentials/PKIAFILEOWNED0000001'],
    ] as const) {
      expect(
        await http(method, path, method === 'POST' ? { userName: 'during-outage' } : undefined),
      ).toMatchObject({ status: 503, type: 'ServiceUnavailableException' });
    }
  });
});
