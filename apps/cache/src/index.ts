export { bootstrap } from './bootstrap';
export { type CacheConfig, loadCacheConfig } from './config';
