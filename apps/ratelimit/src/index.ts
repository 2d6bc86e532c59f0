export { bootstrap } from './bootstrap';
export { loadRateLimitConfig, type RateLimitConfig } from './config';
