import { BlockList, isIP } from 'node:net';
import Ajv from 'ajv';

/** An IAM-style policy document, as API Gateway's authorizers return and resource policies hold. */
export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatement[];
}

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string[];
  NotAction?: string[];
  Resource?: string[];
  NotResource?: string[];
  /** `*` (anyone), or principals (`AWS`: ARNs or account ids). Resource policies only. */
  Principal?: '*' | Record<string, string[]>;
  Condition?: Record<string, Record<string, string[]>>;
}

/** What a request asks for, in the terms statements match on. */
export interface PolicyRequest {
  /** e.g. `execute-api:Invoke` */
  action: string;
  /** e.g. `arn:aws:execute-api:us-east-1:123456789012:a1b2c3/prod/GET/pets/1` */
  resource: string;
  /** The caller, for `Principal` (an ARN or account id); absent for an anonymous caller. */
  principal?: string;
  /** Condition keys such as `aws:SourceIp`. */
  context?: Record<string, string | undefined>;
}

/** An explicit Deny, an Allow, or neither (which IAM treats as an implicit deny). */
export type PolicyDecision = 'Deny' | 'Allow' | 'NotApplicable';

export class PolicyError extends Error {}

/** The condition operators understood; anything else is refused when the policy is read. */
const OPERATORS = [
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
  'IpAddress',
  'NotIpAddress',
] as const;
type Operator = (typeof OPERATORS)[number];

const stringOrList = { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] };
const STATEMENT_SCHEMA = {
  type: 'object',
  properties: {
    Sid: { type: 'string' },
    Effect: { enum: ['Allow', 'Deny'] },
    Action: stringOrList,
    NotAction: stringOrList,
    Resource: stringOrList,
    NotResource: stringOrList,
    Principal: {
      oneOf: [
        { const: '*' },
        { type: 'object', additionalProperties: stringOrList, minProperties: 1 },
      ],
    },
    Condition: {
      type: 'object',
      propertyNames: { enum: [...OPERATORS] },
      additionalProperties: { type: 'object', additionalProperties: stringOrList },
    },
  },
  required: ['Effect'],
  // A member this gateway does not know (NotPrincipal, a misspelt Condition) is refused: ignoring
  // it could turn a conditional Allow into an unconditional one.
  additionalProperties: false,
  oneOf: [{ required: ['Action'] }, { required: ['NotAction'] }],
  anyOf: [{ required: ['Resource'] }, { required: ['NotResource'] }],
} as const;
const DOCUMENT_SCHEMA = {
  type: 'object',
  properties: {
    Version: { type: 'string' },
    Statement: { oneOf: [STATEMENT_SCHEMA, { type: 'array', items: STATEMENT_SCHEMA }] },
  },
  required: ['Statement'],
} as const;

const validateDocument = new Ajv({ allErrors: false, strict: false }).compile(DOCUMENT_SCHEMA);

const list = (value: unknown): string[] | undefined =>
  value === undefined ? undefined : Array.isArray(value) ? value.map(String) : [String(value)];

export interface ParseOptions {
  /**
   * The condition keys the evaluator will be given (compared without regard to case); a
   * condition on any other key is refused. Default: `aws:SourceIp`.
   */
  conditionKeys?: readonly string[];
  /** Whether statements may name a `Principal` (resource policies); default false. */
  principals?: boolean;
}

/**
 * How an API's resource policy (`x-amazon-apigateway-policy`, UpdateRestApi's `/policy`) is
 * read: statements may name principals, and conditions may use the source address and the
 * caller's ARN and account — the keys the edge gives when it evaluates one.
 */
export const RESOURCE_POLICY: ParseOptions = {
  principals: true,
  conditionKeys: ['aws:SourceIp', 'aws:PrincipalArn', 'aws:PrincipalAccount'],
};

/**
 * Reads a policy document (an object, or its JSON text) into the normalised form: single values
 * become lists, and condition operators are checked. Throws PolicyError saying what is wrong;
 * a condition this gateway cannot evaluate — an unknown operator, a key it is not given, a
 * malformed CIDR — is refused rather than ignored, so a Deny can never silently stop applying.
 */
export function parsePolicy(input: unknown, options: ParseOptions = {}): PolicyDocument {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch {
      throw new PolicyError('The policy is not valid JSON');
    }
  }
  if (!validateDocument(value)) {
    const err = validateDocument.errors?.[0];
    throw new PolicyError(
      `Invalid policy document${err ? `: ${err.instancePath || '(root)'} ${err.message}` : ''}`,
    );
  }
  const doc = value as { Version?: string; Statement: unknown };
  const statements = (Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement]) as Array<
    Record<string, unknown>
  >;
  const keys = new Set((options.conditionKeys ?? ['aws:SourceIp']).map((k) => k.toLowerCase()));
  for (const s of statements) {
    if (s.Principal !== undefined && !options.principals) {
      throw new PolicyError('Principal is not allowed in this policy');
    }
    for (const [op, conditions] of Object.entries(
      (s.Condition ?? {}) as Record<string, Record<string, unknown>>,
    )) {
      for (const [key, values] of Object.entries(conditions)) {
        if (!keys.has(key.toLowerCase())) {
          throw new PolicyError(`Condition key ${key} is not one this gateway evaluates`);
        }
        if (op === 'IpAddress' || op === 'NotIpAddress') {
          const bad = (list(values) ?? []).find((cidr) => parseCidr(cidr) === undefined);
          if (bad !== undefined)
            throw new PolicyError(`${JSON.stringify(bad)} is not an IP address or CIDR range`);
        }
      }
    }
  }
  return {
    ...(doc.Version === undefined ? {} : { Version: doc.Version }),
    Statement: statements.map((s) => ({
      ...(s.Sid === undefined ? {} : { Sid: String(s.Sid) }),
      Effect: s.Effect as 'Allow' | 'Deny',
      ...optional('Action', list(s.Action)),
      ...optional('NotAction', list(s.NotAction)),
      ...optional('Resource', list(s.Resource)),
      ...optional('NotResource', list(s.NotResource)),
      ...(s.Principal === undefined
        ? {}
        : {
            Principal:
              s.Principal === '*'
                ? '*'
                : Object.fromEntries(
                    Object.entries(s.Principal as Record<string, unknown>).map(([k, v]) => [
                      k,
                      list(v) ?? [],
                    ]),
                  ),
          }),
      ...(s.Condition === undefined
        ? {}
        : {
            Condition: Object.fromEntries(
              Object.entries(s.Condition as Record<string, Record<string, unknown>>).map(
                ([op, keys]) => [
                  op,
                  Object.fromEntries(Object.entries(keys).map(([k, v]) => [k, list(v) ?? []])),
                ],
              ),
            ),
          }),
    })),
  };
}

function optional<K extends string>(
  key: K,
  value: string[] | undefined,
): Partial<Record<K, string[]>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string[]>);
}

/**
 * Evaluates policies as IAM does for one request: an explicit Deny in any of them wins; else an
 * Allow in any of them allows; else nothing applies (an implicit deny).
 */
export function evaluatePolicies(
  policies: readonly PolicyDocument[],
  request: PolicyRequest,
): PolicyDecision {
  let allowed = false;
  // Condition keys compare without regard to case (`aws:sourceip` is `aws:SourceIp`), as IAM's do.
  const context = new Map(
    Object.entries(request.context ?? {}).map(([key, value]) => [key.toLowerCase(), value]),
  );
  for (const policy of policies) {
    for (const statement of policy.Statement) {
      if (!applies(statement, request, context)) continue;
      if (statement.Effect === 'Deny') return 'Deny';
      allowed = true;
    }
  }
  return allowed ? 'Allow' : 'NotApplicable';
}

function applies(
  s: PolicyStatement,
  r: PolicyRequest,
  context: ReadonlyMap<string, string | undefined>,
): boolean {
  const action = (patterns: string[]) => patterns.some((p) => wildcard(p, r.action, true));
  const resource = (patterns: string[]) => patterns.some((p) => wildcard(p, r.resource, false));
  if (s.Action && !action(s.Action)) return false;
  if (s.NotAction && action(s.NotAction)) return false;
  if (s.Resource && !resource(s.Resource)) return false;
  if (s.NotResource && resource(s.NotResource)) return false;
  if (s.Principal !== undefined && !principalMatches(s.Principal, r.principal)) return false;
  for (const [op, keys] of Object.entries(s.Condition ?? {})) {
    for (const [key, values] of Object.entries(keys)) {
      if (!condition(op as Operator, context.get(key.toLowerCase()), values)) {
        return false;
      }
    }
  }
  return true;
}

function principalMatches(
  principal: '*' | Record<string, string[]>,
  caller: string | undefined,
): boolean {
  if (principal === '*') return true;
  // IAM: `{"AWS": "*"}` is the same as `"*"` — everyone, anonymous callers included.
  if (principal.AWS?.includes('*')) return true;
  if (caller === undefined) return false;
  return Object.values(principal).some((ids) =>
    ids.some((id) => id === '*' || id === caller || accountOf(caller) === accountRoot(id)),
  );
}

/** The account of `arn:aws:iam::123456789012:user/x`, or the caller as it is. */
const accountOf = (caller: string) =>
  /^arn:[^:]+:[^:]*:[^:]*:(\d{12}):/.exec(caller)?.[1] ?? caller;
/** `123456789012` and `arn:aws:iam::123456789012:root` both name a whole account. */
const accountRoot = (id: string) =>
  /^(\d{12})$/.exec(id)?.[1] ?? /^arn:[^:]+:iam::(\d{12}):root$/.exec(id)?.[1];

function condition(op: Operator, actual: string | undefined, values: string[]): boolean {
  switch (op) {
    case 'StringEquals':
      return actual !== undefined && values.includes(actual);
    case 'StringNotEquals':
      return actual === undefined || !values.includes(actual);
    case 'StringEqualsIgnoreCase':
      return actual !== undefined && values.some((v) => v.toLowerCase() === actual.toLowerCase());
    case 'StringNotEqualsIgnoreCase':
      return actual === undefined || !values.some((v) => v.toLowerCase() === actual.toLowerCase());
    case 'StringLike':
      return actual !== undefined && values.some((v) => wildcard(v, actual, false));
    case 'StringNotLike':
      return actual === undefined || !values.some((v) => wildcard(v, actual, false));
    case 'IpAddress':
      return actual !== undefined && inRanges(actual, values);
    case 'NotIpAddress':
      return actual === undefined || !inRanges(actual, values);
  }
}

/** `address` or `address/bits`, strictly; undefined when it is neither. */
function parseCidr(
  cidr: string,
): { address: string; prefix: number; type: 'ipv4' | 'ipv6' } | undefined {
  const [address = '', bits, extra] = cidr.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return undefined;
  const max = family === 6 ? 128 : 32;
  if (bits !== undefined && !/^\d{1,3}$/.test(bits)) return undefined;
  const prefix = bits === undefined ? max : Number(bits);
  if (prefix > max) return undefined;
  return { address, prefix, type: family === 6 ? 'ipv6' : 'ipv4' };
}

function inRanges(ip: string, cidrs: string[]): boolean {
  const family = isIP(ip);
  if (family === 0) return false;
  const blocks = new BlockList();
  for (const cidr of cidrs) {
    const range = parseCidr(cidr);
    if (range) blocks.addSubnet(range.address, range.prefix, range.type);
  }
  return blocks.check(ip, family === 6 ? 'ipv6' : 'ipv4');
}

/**
 * IAM's wildcards: `*` any run of characters (`/` included), `?` exactly one; everything else
 * literal. Actions compare case-insensitively, resources exactly. Linear in the value: the
 * classic two-pointer glob, backtracking only to the last `*` (no regular expression, whose
 * backtracking a long attacker-chosen path could make take seconds).
 */
export function wildcard(pattern: string, value: string, ignoreCase: boolean): boolean {
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  const v = ignoreCase ? value.toLowerCase() : value;
  let pi = 0;
  let vi = 0;
  let star = -1;
  let resume = 0;
  while (vi < v.length) {
    if (pi < p.length && (p[pi] === '?' || p[pi] === v[vi])) {
      pi += 1;
      vi += 1;
    } else if (pi < p.length && p[pi] === '*') {
      star = pi;
      pi += 1;
      resume = vi;
    } else if (star >= 0) {
      pi = star + 1;
      resume += 1;
      vi = resume;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === '*') pi += 1;
  return pi === p.length;
}

export interface MethodArnParts {
  region: string;
  accountId: string;
  apiId: string;
  stage: string;
  /** The HTTP method, or `*`. */
  method: string;
  /** The request path below the stage, from `/` (as normalised by the edge). */
  path: string;
}

/** `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{path}`, as API Gateway builds it. */
export function methodArn(p: MethodArnParts): string {
  const path = p.path.startsWith('/') ? p.path : `/${p.path}`;
  return `arn:aws:execute-api:${p.region}:${p.accountId}:${p.apiId}/${p.stage}/${p.method}${path}`;
}
