/**
 * Which function an `aws_proxy` integration calls. Portico serves functions by name over NATS,
 * so region, account and qualifier (alias or version) in a Lambda ARN do not matter.
 */

const NAME = /^[A-Za-z0-9_-]{1,64}$/;
const STAGE_VARIABLE = /\$\{stageVariables\.[A-Za-z0-9_]+\}/g;
/** `arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{lambdaArn}/invocations` */
const INVOCATION_URI =
  /^arn:[a-z0-9-]+:apigateway:[^:]*:lambda:path\/\d{4}-\d{2}-\d{2}\/functions\/(.+)\/invocations$/;
/** `arn:aws:lambda:{region}:{account}:function:{name}[:{qualifier}]` */
const LAMBDA_ARN = /^arn:[a-z0-9-]+:lambda:[^:]*:[^:]*:function:([^:]+)(?::[^:]+)?$/;

/**
 * Lambda invocation URI, Lambda ARN or bare function name → the function name, or undefined
 * when the string is none of those. `${stageVariables.x}` in the name is kept as written: the
 * edge substitutes it per request, as API Gateway does.
 */
export function functionNameFromUri(uri: string): string | undefined {
  const trimmed = uri.trim();
  const invocation = INVOCATION_URI.exec(trimmed);
  const arnOrName = invocation ? invocation[1]! : trimmed;
  const arn = LAMBDA_ARN.exec(arnOrName);
  if (arn) return validName(arn[1]!);
  // A bare name is a Portico convenience, only outside an invocation URI.
  if (!invocation && !arnOrName.startsWith('arn:')) return validName(arnOrName);
  return undefined;
}

function validName(name: string): string | undefined {
  // Stage variables may stand for any part of the name; check what is left around them.
  const literal = name.replace(STAGE_VARIABLE, 'x');
  return NAME.test(literal) ? name : undefined;
}
