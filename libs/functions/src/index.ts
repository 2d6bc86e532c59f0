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
