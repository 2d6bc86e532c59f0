export * from './model/api-definition';
export * from './store/definition-store';
