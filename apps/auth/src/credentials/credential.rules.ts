import { createHmac } from 'node:crypto';
import {
  ACCESS_KEY_ID_PATTERN,
  SECRET_ACCESS_KEY_MAX_LENGTH,
  SECRET_ACCESS_KEY_MIN_LENGTH,
  type SigningKeyRequest,
} from '@portico/contracts';
import { parsePolicy, PolicyError } from '@portico/iam';
import { ServiceError } from '@portico/platform';

/** IAM's user names: up to 64 of letters, digits and `_+=,.@-`. */
export const USER_NAME_PATTERN = /^[\w+=,.@-]{1,64}$/;
/** IAM's bounds: descriptions of 1000 characters, 20 policies, managed policies of 6,144. */
export const DESCRIPTION_MAX_LENGTH = 1000;
export const MAX_POLICIES = 20;
export const POLICY_MAX_LENGTH = 6144;
/** As AWS tags: 50 per resource, keys of 128 characters, values of 256. */
const MAX_TAGS = 50;
const TAG_KEY_MAX_LENGTH = 128;
const TAG_VALUE_MAX_LENGTH = 256;

const bad = (message: string) => new ServiceError('BadRequest', message);

export function checkAccessKeyId(value: unknown): asserts value is string {
  if (typeof value !== 'string' || !ACCESS_KEY_ID_PATTERN.test(value)) {
    throw bad('accessKeyId must be 16 to 128 upper-case letters and digits');
  }
}

export function checkSecret(value: unknown): asserts value is string {
  if (
    typeof value !== 'string' ||
    value.length < SECRET_ACCESS_KEY_MIN_LENGTH ||
    value.length > SECRET_ACCESS_KEY_MAX_LENGTH ||
    !/^[\x21-\x7e]+$/.test(value)
  ) {
    throw bad(
      `secretAccessKey must be ${SECRET_ACCESS_KEY_MIN_LENGTH} to ${SECRET_ACCESS_KEY_MAX_LENGTH} printable ASCII characters without spaces`,
    );
  }
}

export function checkUserName(value: unknown): asserts value is string {
  if (typeof value !== 'string' || !USER_NAME_PATTERN.test(value)) {
    throw bad('userName must be 1 to 64 letters, digits or any of _+=,.@-');
  }
}

export function checkDescription(value: unknown): asserts value is string | undefined {
  if (value === undefined) return;
  if (typeof value !== 'string' || value.length > DESCRIPTION_MAX_LENGTH) {
    throw bad(`description must be a string of at most ${DESCRIPTION_MAX_LENGTH} characters`);
  }
}

export function checkEnabled(value: unknown): asserts value is boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') throw bad('enabled must be true or false');
}

/**
 * Identity policies: each must read as a policy document the gateway can evaluate (no
 * `Principal`, only condition keys it is given); the parser's message says what is wrong.
 */
export function checkPolicies(value: unknown): asserts value is object[] | undefined {
  if (value === undefined) return;
  if (!Array.isArray(value) || value.length > MAX_POLICIES) {
    throw bad(`policies must be a list of at most ${MAX_POLICIES} policy documents`);
  }
  value.forEach((policy: unknown, i) => {
    if (policy === null || typeof policy !== 'object' || Array.isArray(policy)) {
      throw bad(`policies[${i}] must be a policy document (a JSON object)`);
    }
    if (JSON.stringify(policy).length > POLICY_MAX_LENGTH) {
      throw bad(`policies[${i}] is longer than ${POLICY_MAX_LENGTH} characters`);
    }
    try {
      parsePolicy(policy);
    } catch (err) {
      if (err instanceof PolicyError) throw bad(`policies[${i}]: ${err.message}`);
      throw err;
    }
  });
}

export function checkTags(value: unknown): asserts value is Record<string, string> | undefined {
  if (value === undefined) return;
  const entries =
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? Object.entries(value)
      : undefined;
  if (
    !entries ||
    entries.length > MAX_TAGS ||
    entries.some(
      ([k, v]) =>
        k.length === 0 ||
        k.length > TAG_KEY_MAX_LENGTH ||
        typeof v !== 'string' ||
        v.length > TAG_VALUE_MAX_LENGTH,
    )
  ) {
    throw bad(
      `tags must map at most ${MAX_TAGS} keys of 1 to ${TAG_KEY_MAX_LENGTH} characters to strings of at most ${TAG_VALUE_MAX_LENGTH}`,
    );
  }
}

/** A signing-key request's scope: a real YYYYMMDD date, and region and service names. */
export function checkScope(req: SigningKeyRequest): void {
  const { date, region, service } = req;
  if (typeof date !== 'string' || !/^[0-9]{8}$/.test(date) || !realDate(date)) {
    throw bad('date must be a calendar date as YYYYMMDD');
  }
  if (typeof region !== 'string' || !/^[a-z0-9-]{1,64}$/.test(region)) {
    throw bad('region must be 1 to 64 lower-case letters, digits and hyphens');
  }
  if (typeof service !== 'string' || !/^[a-z0-9-]{1,64}$/.test(service)) {
    throw bad('service must be 1 to 64 lower-case letters, digits and hyphens');
  }
}

function realDate(yyyymmdd: string): boolean {
  const iso = `${yyyymmdd.slice(0, 4)}-${yyyymmdd.slice(4, 6)}-${yyyymmdd.slice(6)}`;
  const parsed = new Date(`${iso}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(iso);
}

/**
 * Signature Version 4's signing key: HMAC-SHA256 of the date under `AWS4` + secret, then of the
 * region, the service and `aws4_request`, each under the one before.
 */
export function signingKey(secret: string, scope: SigningKeyRequest): Buffer {
  const hmac = (key: string | Buffer, data: string) =>
    createHmac('sha256', key).update(data, 'utf8').digest();
  const kDate = hmac(`AWS4${secret}`, scope.date);
  const kRegion = hmac(kDate, scope.region);
  const kService = hmac(kRegion, scope.service);
  return hmac(kService, 'aws4_request');
}
