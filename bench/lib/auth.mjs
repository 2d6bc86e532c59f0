// What the authorization targets need: the auth service's secret, the one API key their requests
// carry (created through the management API, as a user creates one) and the JWT issuer's key set
// and one token signed with its private key (generated here, never written anywhere).
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

/**
 * Creates an enabled API key through control's CreateApiKey (POST /apikeys) and returns its
 * value. `controlUrl` is control's origin on loopback, where requests need no signature.
 */
export async function createApiKey(controlUrl, name = 'portico-bench') {
  const res = await request(`${controlUrl}/apikeys`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, enabled: true, description: 'pnpm bench: portico-apikey' }),
  });
  const text = await res.body.text();
  if (res.statusCode !== 201) {
    throw new Error(`CreateApiKey answered ${res.statusCode}: ${text.slice(0, 200)}`);
  }
  const { value } = JSON.parse(text);
  if (typeof value !== 'string' || value === '') {
    throw new Error('CreateApiKey answered without the key value');
  }
  return value;
}
