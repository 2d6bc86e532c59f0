export { bootstrap } from './bootstrap';
export { type ConnectionsConfig, loadConnectionsConfig } from './config';
