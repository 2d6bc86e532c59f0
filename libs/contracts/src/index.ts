export * from './common/errors';
export * from './common/headers';
export * from './control/stage-changed';
export * from './control/domain-changed';
export * from './functions/invoke';
export * from './connections/connection';
export * from './connections/channel';
export * from './connections/edge';
