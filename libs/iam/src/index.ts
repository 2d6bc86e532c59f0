export * from './sigv4';
export * from './policy';
