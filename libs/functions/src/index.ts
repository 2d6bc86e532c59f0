export * from './lambda.types';
export {
  startFunctionRunner,
  DEFAULT_CONCURRENCY,
  type FunctionRunner,
  type FunctionRunnerOptions,
  type FunctionRunnerStatus,
} from './function-runner';
export {
  startFunctionService,
  type FunctionService,
  type FunctionServiceOptions,
} from './function-service';
export { loadHandler, HandlerLoadError } from './handler-loader';
export {
  passportAuthorizer,
  flattenContext,
  PassportAuthorizerError,
  type AuthorizerPolicy,
  type AuthorizerResponse,
  type PassportAuthorizerOptions,
  type PassportStrategyLike,
} from './passport/passport-authorizer';
export {
  authorizerRequest,
  AuthorizerEventError,
  type AuthorizerEvent,
  type AuthorizerRequest,
} from './passport/authorizer-request';
