import {
  evaluatePolicies,
  methodArn,
  parsePolicy,
  PolicyError,
  RESOURCE_POLICY,
  type PolicyRequest,
} from './policy';

const ARN = 'arn:aws:execute-api:us-east-1:123456789012';
const invoke = (resource: string, extra: Partial<PolicyRequest> = {}): PolicyRequest => ({
  action: 'execute-api:Invoke',
  resource: `${ARN}:${resource}`,
  ...extra,
});
const allow = (
  resource: string | string[],
  extra: Record<string, unknown> = {},
  options: Parameters<typeof parsePolicy>[1] = {},
) =>
  parsePolicy(
    {
      Version: '2012-10-17',
      Statement: {
        Effect: 'Allow',
        Action: 'execute-api:Invoke',
        Resource: Array.isArray(resource)
          ? resource.map((r) => `${ARN}:${r}`)
          : `${ARN}:${resource}`,
        ...extra,
      },
    },
    options,
  );
const decide = (policy: ReturnType<typeof parsePolicy>, resource: string, extra = {}) =>
  evaluatePolicies([policy], invoke(resource, extra));

describe('parsePolicy', () => {
  it('reads single values as lists, from an object or JSON text', () => {
    const doc = parsePolicy(
      JSON.stringify({ Statement: { Effect: 'Deny', Action: 'execute-api:*', Resource: '*' } }),
    );
    expect(doc).toEqual({
      Statement: [{ Effect: 'Deny', Action: ['execute-api:*'], Resource: ['*'] }],
    });
  });

  it.each([
    ['not JSON', '{nope'],
    ['no Statement', { Version: '2012-10-17' }],
    ['an unknown Effect', { Statement: { Effect: 'Maybe', Action: '*', Resource: '*' } }],
    ['neither Action nor NotAction', { Statement: { Effect: 'Allow', Resource: '*' } }],
    [
      'both Action and NotAction',
      { Statement: { Effect: 'Allow', Action: '*', NotAction: '*', Resource: '*' } },
    ],
    ['no Resource', { Statement: { Effect: 'Allow', Action: '*' } }],
    [
      'a condition it cannot evaluate',
      {
        Statement: {
          Effect: 'Deny',
          Action: '*',
          Resource: '*',
          Condition: { DateLessThan: { 'aws:CurrentTime': '2030-01-01' } },
        },
      },
    ],
    [
      'a member it does not know (NotPrincipal)',
      { Statement: { Effect: 'Deny', NotPrincipal: { AWS: '1' }, Action: '*', Resource: '*' } },
    ],
    [
      'a misspelt Condition',
      {
        Statement: {
          Effect: 'Allow',
          Action: '*',
          Resource: '*',
          Condtion: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } },
        },
      },
    ],
    [
      'a condition on a key it is not given',
      {
        Statement: {
          Effect: 'Deny',
          Action: '*',
          Resource: '*',
          Condition: { StringEquals: { 'aws:username': 'bob' } },
        },
      },
    ],
    [
      'a CIDR without bits',
      {
        Statement: {
          Effect: 'Allow',
          Action: '*',
          Resource: '*',
          Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/' } },
        },
      },
    ],
    [
      'a CIDR over 32 bits',
      {
        Statement: {
          Effect: 'Allow',
          Action: '*',
          Resource: '*',
          Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/33' } },
        },
      },
    ],
    [
      'an address that is not one',
      {
        Statement: {
          Effect: 'Allow',
          Action: '*',
          Resource: '*',
          Condition: { NotIpAddress: { 'aws:SourceIp': '10.0.0' } },
        },
      },
    ],
    [
      'a Principal where none is allowed',
      { Statement: { Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' } },
    ],
  ])('refuses %s', (_what, input) => {
    expect(() => parsePolicy(input)).toThrow(PolicyError);
  });
});

describe('evaluatePolicies', () => {
  it('allows what an Allow matches, and nothing applies otherwise', () => {
    const policy = allow('a1b2c3/prod/GET/pets');
    expect(decide(policy, 'a1b2c3/prod/GET/pets')).toBe('Allow');
    expect(decide(policy, 'a1b2c3/prod/GET/owners')).toBe('NotApplicable');
  });

  it('lets an explicit Deny win over any Allow, in the same policy or another', () => {
    const allowAll = allow('a1b2c3/*');
    const deny = parsePolicy({
      Statement: {
        Effect: 'Deny',
        Action: 'execute-api:Invoke',
        Resource: `${ARN}:a1b2c3/prod/DELETE/*`,
      },
    });
    expect(evaluatePolicies([allowAll, deny], invoke('a1b2c3/prod/DELETE/pets/1'))).toBe('Deny');
    expect(evaluatePolicies([allowAll, deny], invoke('a1b2c3/prod/GET/pets/1'))).toBe('Allow');
  });

  describe('wildcards match as IAM does, and no further', () => {
    it('anchors both ends: an exact resource is only itself', () => {
      const policy = allow('a1b2c3/prod/GET/pets');
      for (const other of [
        'a1b2c3/prod/GET/pets/1',
        'a1b2c3/prod/GET/petsfood',
        'a1b2c3/prod/POST/pets',
        'a1b2c3/prod/GET/pets/',
        'xa1b2c3/prod/GET/pets',
        'a1b2c3/prod/get/pets',
      ]) {
        expect({ other, decision: decide(policy, other) }).toEqual({
          other,
          decision: 'NotApplicable',
        });
      }
    });

    it('reads every character but * and ? literally', () => {
      const policy = allow('a1b2c3/prod/GET/pets.json');
      expect(decide(policy, 'a1b2c3/prod/GET/pets.json')).toBe('Allow');
      expect(decide(policy, 'a1b2c3/prod/GET/petsxjson')).toBe('NotApplicable');
      const regexy = allow('a1b2c3/prod/GET/(a|b)+');
      expect(decide(regexy, 'a1b2c3/prod/GET/aab')).toBe('NotApplicable');
      expect(decide(regexy, 'a1b2c3/prod/GET/(a|b)+')).toBe('Allow');
    });

    it('takes ? for exactly one character', () => {
      const policy = allow('a1b2c3/prod/GET/pets/?');
      expect(decide(policy, 'a1b2c3/prod/GET/pets/7')).toBe('Allow');
      expect(decide(policy, 'a1b2c3/prod/GET/pets/')).toBe('NotApplicable');
      expect(decide(policy, 'a1b2c3/prod/GET/pets/77')).toBe('NotApplicable');
    });

    it('takes * for any run of characters, slashes included, but not for what is outside it', () => {
      const children = allow('a1b2c3/prod/GET/pets/*');
      expect(decide(children, 'a1b2c3/prod/GET/pets/1')).toBe('Allow');
      expect(decide(children, 'a1b2c3/prod/GET/pets/1/toys')).toBe('Allow');
      expect(decide(children, 'a1b2c3/prod/GET/pets')).toBe('NotApplicable');
      const api = allow('a1b2c3/*');
      expect(decide(api, 'a1b2c3d4/prod/GET/pets')).toBe('NotApplicable');
      expect(decide(api, 'a1b2c3/prod/GET/pets')).toBe('Allow');
      const stage = allow('a1b2c3/prod/*');
      expect(decide(stage, 'a1b2c3/production/GET/pets')).toBe('NotApplicable');
    });

    it('matches several stars in one pattern, each across any run', () => {
      const policy = allow('a1b2c3/*/GET/*/toys/*');
      expect(decide(policy, 'a1b2c3/prod/GET/pets/1/toys/2')).toBe('Allow');
      expect(decide(policy, 'a1b2c3/prod/GET/a/b/toys/c/d')).toBe('Allow');
      expect(decide(policy, 'a1b2c3/prod/GET/pets/1/toy/2')).toBe('NotApplicable');
      expect(decide(policy, 'a1b2c3/prod/POST/pets/1/toys/2')).toBe('NotApplicable');
      // A long path that almost matches is answered (a linear matcher, no regex backtracking).
      expect(decide(policy, `a1b2c3/prod/GET/${'x/'.repeat(2_000)}toy`)).toBe('NotApplicable');
    });

    it('compares actions without regard to case, resources with', () => {
      const policy = parsePolicy({
        Statement: { Effect: 'Allow', Action: 'Execute-API:invoke', Resource: `${ARN}:a1b2c3/*` },
      });
      expect(decide(policy, 'a1b2c3/prod/GET/x')).toBe('Allow');
      expect(
        evaluatePolicies([policy], {
          ...invoke('a1b2c3/prod/GET/x'),
          action: 'execute-api:InvalidateCache',
        }),
      ).toBe('NotApplicable');
      expect(decide(policy, 'A1B2C3/prod/GET/x')).toBe('NotApplicable');
    });
  });

  it('applies NotAction and NotResource as everything but the ones named', () => {
    const policy = parsePolicy({
      Statement: {
        Effect: 'Deny',
        NotAction: 'execute-api:Invoke',
        NotResource: `${ARN}:a1b2c3/prod/GET/public`,
      },
    });
    const cache = { action: 'execute-api:InvalidateCache' };
    expect(decide(policy, 'a1b2c3/prod/GET/private', cache)).toBe('Deny');
    expect(decide(policy, 'a1b2c3/prod/GET/public', cache)).toBe('NotApplicable');
    expect(decide(policy, 'a1b2c3/prod/GET/private')).toBe('NotApplicable');
  });

  it('evaluates aws:SourceIp against CIDR ranges, v4 and v6; a missing key never matches IpAddress', () => {
    const policy = allow('a1b2c3/*', {
      Condition: {
        IpAddress: { 'aws:SourceIp': ['192.0.2.0/24', '2001:db8::/32', '198.51.100.7'] },
      },
    });
    const from = (ip?: string) =>
      decide(policy, 'a1b2c3/prod/GET/x', { context: { 'aws:SourceIp': ip } });
    expect(from('192.0.2.77')).toBe('Allow');
    expect(from('2001:db8::1')).toBe('Allow');
    expect(from('198.51.100.7')).toBe('Allow');
    expect(from('198.51.100.8')).toBe('NotApplicable');
    expect(from('192.0.3.1')).toBe('NotApplicable');
    expect(from('not an ip')).toBe('NotApplicable');
    expect(from(undefined)).toBe('NotApplicable');
    const deny = parsePolicy({
      Statement: {
        Effect: 'Deny',
        Action: 'execute-api:Invoke',
        Resource: `${ARN}:a1b2c3/*`,
        Condition: { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } },
      },
    });
    expect(decide(deny, 'a1b2c3/prod/GET/x', { context: { 'aws:SourceIp': '10.1.2.3' } })).toBe(
      'NotApplicable',
    );
    expect(decide(deny, 'a1b2c3/prod/GET/x', { context: { 'aws:SourceIp': '8.8.8.8' } })).toBe(
      'Deny',
    );
  });

  it('matches string conditions exactly or by wildcard', () => {
    const policy = allow(
      'a1b2c3/*',
      {
        Condition: {
          StringLike: { 'aws:PrincipalTag/team': 'pay*' },
          StringEquals: { 'aws:Region': 'us-east-1' },
        },
      },
      { conditionKeys: ['aws:PrincipalTag/team', 'aws:Region'] },
    );
    const ctx = (team: string, region = 'us-east-1') => ({
      context: { 'aws:PrincipalTag/team': team, 'aws:Region': region },
    });
    expect(decide(policy, 'a1b2c3/prod/GET/x', ctx('payments'))).toBe('Allow');
    expect(decide(policy, 'a1b2c3/prod/GET/x', ctx('ops'))).toBe('NotApplicable');
    expect(decide(policy, 'a1b2c3/prod/GET/x', ctx('payments', 'eu-west-1'))).toBe('NotApplicable');
  });

  it('matches principals: anyone, an account (by id or root ARN), or one ARN', () => {
    const stmt = (Principal: unknown) =>
      parsePolicy(
        {
          Statement: {
            Effect: 'Allow',
            Principal,
            Action: 'execute-api:Invoke',
            Resource: `${ARN}:a1b2c3/*`,
          },
        },
        { principals: true },
      );
    const user = 'arn:aws:iam::111122223333:user/alice';
    expect(decide(stmt('*'), 'a1b2c3/prod/GET/x')).toBe('Allow');
    expect(decide(stmt({ AWS: '111122223333' }), 'a1b2c3/prod/GET/x', { principal: user })).toBe(
      'Allow',
    );
    expect(
      decide(stmt({ AWS: 'arn:aws:iam::111122223333:root' }), 'a1b2c3/prod/GET/x', {
        principal: user,
      }),
    ).toBe('Allow');
    expect(decide(stmt({ AWS: user }), 'a1b2c3/prod/GET/x', { principal: user })).toBe('Allow');
    expect(decide(stmt({ AWS: '444455556666' }), 'a1b2c3/prod/GET/x', { principal: user })).toBe(
      'NotApplicable',
    );
    expect(decide(stmt({ AWS: user }), 'a1b2c3/prod/GET/x')).toBe('NotApplicable');
  });
});

describe('methodArn', () => {
  it('builds API Gateway method ARNs, the root path included', () => {
    const parts = {
      region: 'us-east-1',
      accountId: '123456789012',
      apiId: 'a1b2c3',
      stage: 'prod',
    };
    expect(methodArn({ ...parts, method: 'GET', path: '/pets/1' })).toBe(
      `${ARN}:a1b2c3/prod/GET/pets/1`,
    );
    expect(methodArn({ ...parts, method: 'POST', path: '/' })).toBe(`${ARN}:a1b2c3/prod/POST/`);
  });

  it('compares condition keys without regard to case, so a Deny written in lower case still denies', () => {
    const policy = parsePolicy(
      {
        Statement: [
          { Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' },
          {
            Effect: 'Deny',
            Principal: '*',
            Action: '*',
            Resource: '*',
            Condition: { IpAddress: { 'AWS:SOURCEIP': '6.6.6.0/24' } },
          },
          {
            Effect: 'Deny',
            Principal: '*',
            Action: '*',
            Resource: '*',
            Condition: {
              StringEquals: { 'aws:principalarn': 'arn:aws:iam::123456789012:user/mallory' },
            },
          },
        ],
      },
      RESOURCE_POLICY,
    );
    const ask = (ip: string, principal: string) =>
      evaluatePolicies([policy], {
        action: 'execute-api:Invoke',
        resource: 'arn:aws:execute-api:us-east-1:123456789012:a/prod/GET/x',
        principal,
        context: { 'aws:SourceIp': ip, 'aws:PrincipalArn': principal },
      });
    expect(ask('6.6.6.6', 'arn:aws:iam::123456789012:user/alice')).toBe('Deny');
    expect(ask('1.2.3.4', 'arn:aws:iam::123456789012:user/mallory')).toBe('Deny');
    expect(ask('1.2.3.4', 'arn:aws:iam::123456789012:user/alice')).toBe('Allow');
  });

  it('takes {"AWS": "*"} for everyone, anonymous callers included, as IAM does', () => {
    const policy = parsePolicy(
      { Statement: [{ Effect: 'Deny', Principal: { AWS: '*' }, Action: '*', Resource: '*' }] },
      RESOURCE_POLICY,
    );
    const request = { action: 'execute-api:Invoke', resource: 'arn:aws:execute-api:r:1:a/s/GET/x' };
    expect(evaluatePolicies([policy], request)).toBe('Deny');
    expect(evaluatePolicies([policy], { ...request, principal: 'arn:aws:iam::1:user/x' })).toBe(
      'Deny',
    );
  });
});
