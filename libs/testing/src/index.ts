export * from './infra';
export * from './eventually';
export * from './replicas';
