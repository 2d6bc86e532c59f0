import { functionNameFromUri } from './function-name';

describe('functionNameFromUri', () => {
  it.each([
    [
      'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:GetPet/invocations',
      'GetPet',
    ],
    [
      'arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:get-pet:live/invocations',
      'get-pet',
    ],
    [
      'arn:aws-cn:apigateway:cn-north-1:lambda:path/2015-03-31/functions/arn:aws-cn:lambda:cn-north-1:123456789012:function:pets_v2:7/invocations',
      'pets_v2',
    ],
    ['arn:aws:lambda:us-east-1:123456789012:function:GetPet', 'GetPet'],
    ['arn:aws:lambda:us-east-1:123456789012:function:GetPet:$LATEST', 'GetPet'],
    ['pets-handler', 'pets-handler'],
    ['a'.repeat(64), 'a'.repeat(64)],
  ])('%s → %s', (uri, name) => {
    expect(functionNameFromUri(uri)).toBe(name);
  });

  it('keeps ${stageVariables.x} in the name for the edge to resolve', () => {
    expect(
      functionNameFromUri(
        'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:${stageVariables.fn}/invocations',
      ),
    ).toBe('${stageVariables.fn}');
    expect(
      functionNameFromUri('arn:aws:lambda:us-east-1:1:function:reports-${stageVariables.env}:live'),
    ).toBe('reports-${stageVariables.env}');
    expect(functionNameFromUri('${stageVariables.fn}')).toBe('${stageVariables.fn}');
  });

  it.each([
    'https://lambda.example.com/fn',
    'arn:aws:apigateway:us-east-1:s3:path/bucket/key',
    'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/not-an-arn/invocations',
    'arn:aws:lambda:us-east-1:123456789012:layer:shared',
    'a'.repeat(65),
    'pets handler',
    'pets.handler',
    '${env.fn}',
    '',
  ])('rejects %s', (uri) => {
    expect(functionNameFromUri(uri)).toBeUndefined();
  });
});
