export * from './sigv4';
