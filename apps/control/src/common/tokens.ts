/** Injection tokens shared by control's feature modules. */
export const CONTROL_CONFIG = Symbol('CONTROL_CONFIG');
/** The Nest ClientProxy (NATS) that control publishes its events through. */
export const EVENTS_CLIENT = Symbol('EVENTS_CLIENT');
