export * from './lambda.types';
export {
  startFunctionRunner,
  DEFAULT_CONCURRENCY,
  type FunctionRunner,
  type FunctionRunnerOptions,
} from './function-runner';
export { loadHandler, HandlerLoadError } from './handler-loader';
