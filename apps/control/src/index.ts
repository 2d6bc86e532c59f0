export { bootstrap } from './bootstrap';
export { DEFAULT_CONFIG_FILE, loadControlConfig, type ControlConfig } from './config';
