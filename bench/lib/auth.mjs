// What the authorization targets need: the auth service's secret, the API keys their requests
// carry and the usage plans that admit them (created through the management API, as a user
// creates them) and the JWT issuer's key set and one token signed with its private key
// (generated here, never written anywhere).
import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { request } from 'undici';

/** The issuer and audience the bench's JWT authorizer accepts; nothing is fetched from them. */
const ISSUER = 'https://issuer.bench.portico.invalid';
const AUDIENCE = 'portico-bench';
const KEY_ID = 'bench-1';
/** Far beyond any run: a token that expired mid-run would turn into 401s, not speed. */
const TOKEN_LIFETIME_S = 24 * 3600;

/** A fresh AUTH_SECRET_KEY: 32 random bytes in base64, as the auth service requires. */
export const authSecretKey = () => randomBytes(32).toString('base64');

/**
 * An RS256 key pair of this run: the authorizer's settings (issuer, audience and the public key
 * inline as a JWKS) and one valid token for the Authorization header.
 */
export async function benchJwt(nowS = Math.floor(Date.now() / 1000)) {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: KEY_ID, alg: 'RS256', use: 'sig' };
  const token = await new SignJWT({ scope: 'bench' })
    .setProtectedHeader({ alg: 'RS256', kid: KEY_ID, typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject('portico-bench')
    .setIssuedAt(nowS)
    .setExpirationTime(nowS + TOKEN_LIFETIME_S)
    .sign(privateKey);
  return { issuer: ISSUER, audience: AUDIENCE, jwks: { keys: [jwk] }, token };
}

/** POSTs `body` as JSON to control's management API; resolves with the answer's JSON. */
async function managementPost(controlUrl, path, body, operation) {
  const res = await request(`${controlUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.body.text();
  if (res.statusCode !== 201) {
    throw new Error(`${operation} answered ${res.statusCode}: ${text.slice(0, 200)}`);
  }
  return JSON.parse(text);
}

/**
 * Creates an enabled API key through control's CreateApiKey (POST /apikeys) and resolves with its
 * id and value. `controlUrl` is control's origin on loopback, where requests need no signature.
 */
export async function createApiKey(controlUrl, name = 'portico-bench') {
  const { id, value } = await managementPost(
    controlUrl,
    '/apikeys',
    { name, enabled: true, description: `pnpm bench: ${name}` },
    'CreateApiKey',
  );
  if (typeof value !== 'string' || value === '' || typeof id !== 'string') {
    throw new Error('CreateApiKey answered without the key id and value');
  }
  return { id, value };
}

/**
 * Puts the key `keyId` into a new usage plan (CreateUsagePlan, then CreateUsagePlanKey, as a user
 * does): as on API Gateway, an edge admits a key only where a plan holding it covers the stage.
 * `plan` is CreateUsagePlan's body (name, apiStages, and optionally throttle and quota); resolves
 * with the plan's id.
 */
export async function addToUsagePlan(controlUrl, keyId, plan) {
  const { id } = await managementPost(controlUrl, '/usageplans', plan, 'CreateUsagePlan');
  if (typeof id !== 'string') throw new Error('CreateUsagePlan answered without the plan id');
  await managementPost(
    controlUrl,
    `/usageplans/${encodeURIComponent(id)}/keys`,
    { keyId, keyType: 'API_KEY' },
    'CreateUsagePlanKey',
  );
  return id;
}
