/**
 * The Lambda programming model a handler is written against, as in @types/aws-lambda, so an
 * unchanged AWS handler runs under Portico.
 */
export interface LambdaContext {
  callbackWaitsForEmptyEventLoop: boolean;
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  memoryLimitInMB: string;
  awsRequestId: string;
  logGroupName: string;
  logStreamName: string;
  identity?: undefined;
  clientContext?: undefined;
  getRemainingTimeInMillis(): number;
}

export type LambdaCallback<TResult = unknown> = (
  error?: Error | string | null,
  result?: TResult,
) => void;

/** `async (event, context) => result`, or the older `(event, context, callback) => void`. */
export type LambdaHandler<TEvent = unknown, TResult = unknown> = (
  event: TEvent,
  context: LambdaContext,
  callback: LambdaCallback<TResult>,
) => void | TResult | Promise<TResult>;
