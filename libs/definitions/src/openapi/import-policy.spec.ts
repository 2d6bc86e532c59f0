import { DefinitionError } from './definition-error';
import { oas3, swagger2 } from './fixtures/test-documents';
import { exportOpenApi } from './openapi-export';
import { importOpenApi } from './openapi-import';

const POLICY = 'x-amazon-apigateway-policy';

/** A resource policy as AWS exports one: the `execute-api:/…` shorthand, CIDR conditions. */
const AWS_EXPORTED = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: '*',
      Action: 'execute-api:Invoke',
      Resource: 'execute-api:/*',
    },
    {
      Effect: 'Deny',
      Principal: '*',
      Action: 'execute-api:Invoke',
      Resource: 'execute-api:/*/POST/admin/*',
      Condition: { NotIpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '2001:db8::/32'] } },
    },
    {
      Effect: 'Allow',
      Principal: { AWS: ['arn:aws:iam::123456789012:root', '210987654321'] },
      Action: 'execute-api:Invoke',
      Resource: 'arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/GET/pets',
      Condition: {
        StringLike: { 'aws:PrincipalArn': 'arn:aws:iam::123456789012:user/ops-*' },
        StringEquals: { 'aws:PrincipalAccount': '123456789012' },
      },
    },
  ],
};

async function importError(doc: Record<string, unknown>): Promise<DefinitionError> {
  const err: unknown = await importOpenApi(doc).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DefinitionError);
  return err as DefinitionError;
}

const withPolicy = (policy: unknown) => oas3(undefined, { [POLICY]: policy });

describe('importOpenApi: x-amazon-apigateway-policy', () => {
  it('keeps an accepted policy exactly as written, and export gives it back unchanged', async () => {
    const { definition, warnings } = await importOpenApi(withPolicy(AWS_EXPORTED));
    expect(warnings).toEqual([]);
    // Not normalised: single values stay strings, shorthand resources stay shorthand.
    expect(definition.extensions[POLICY]).toEqual(AWS_EXPORTED);
    const exported = exportOpenApi(definition, {
      format: 'oas30',
      api: { id: 'a1b2c3d4e5', name: 'Test' },
      stage: { stageName: 'prod', variables: {} },
    });
    expect(exported[POLICY]).toEqual(AWS_EXPORTED);
    const again = await importOpenApi(exported);
    expect(again.definition.extensions[POLICY]).toEqual(AWS_EXPORTED);
  });

  it('checks a Swagger 2 document’s policy the same way', async () => {
    const ok = await importOpenApi(swagger2(undefined, { [POLICY]: AWS_EXPORTED }));
    expect(ok.definition.extensions[POLICY]).toEqual(AWS_EXPORTED);
    const err = await importError(
      swagger2(undefined, { [POLICY]: { Statement: [{ Effect: 'Allow' }] } }),
    );
    expect(err.message).toMatch(/^Invalid x-amazon-apigateway-policy: Invalid policy document/);
  });

  it('refuses a condition on a key the gateway is not given (aws:SourceVpce), naming it', async () => {
    const err = await importError(
      withPolicy({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Deny',
            Principal: '*',
            Action: 'execute-api:Invoke',
            Resource: 'execute-api:/*',
            Condition: { StringNotEquals: { 'aws:SourceVpce': 'vpce-1a2b3c4d' } },
          },
        ],
      }),
    );
    expect(err.message).toBe(
      'Invalid x-amazon-apigateway-policy: Condition key aws:SourceVpce is not one this gateway evaluates',
    );
  });

  it.each([
    [
      'a malformed CIDR',
      { IpAddress: { 'aws:SourceIp': '10.0.0.0/33' } },
      '"10.0.0.0/33" is not an IP address or CIDR range',
    ],
    [
      'an operator it does not know',
      { DateGreaterThan: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } },
      'Invalid policy document',
    ],
  ])('refuses %s', async (_what, condition, message) => {
    const err = await importError(
      withPolicy({
        Statement: {
          Effect: 'Allow',
          Principal: '*',
          Action: 'execute-api:Invoke',
          Resource: '*',
          Condition: condition,
        },
      }),
    );
    expect(err.message).toContain(message);
    expect(err.message).toMatch(/^Invalid x-amazon-apigateway-policy: /);
  });

  it('refuses members it does not evaluate (NotPrincipal) and documents that are not policies', async () => {
    const notPrincipal = await importError(
      withPolicy({
        Statement: [
          {
            Effect: 'Deny',
            NotPrincipal: { AWS: '123456789012' },
            Action: 'execute-api:Invoke',
            Resource: '*',
          },
        ],
      }),
    );
    expect(notPrincipal.message).toMatch(/^Invalid x-amazon-apigateway-policy: /);
    expect((await importError(withPolicy('not json'))).message).toBe(
      'Invalid x-amazon-apigateway-policy: The policy is not valid JSON',
    );
    expect((await importError(withPolicy([]))).message).toMatch(
      /^Invalid x-amazon-apigateway-policy: Invalid policy document/,
    );
  });
});
