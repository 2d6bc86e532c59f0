export { bootstrap } from './bootstrap';
export { type EdgeConfig, loadEdgeConfig } from './config';
