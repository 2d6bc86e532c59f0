export { bootstrap } from './bootstrap';
export { type AuthConfig, loadAuthConfig } from './config';
