/** NATS message header that carries the gateway request id across services. */
export const REQUEST_ID_HEADER = 'Portico-Request-Id' as const;
/** NATS message header with the absolute deadline (epoch ms) of a request. */
export const DEADLINE_HEADER = 'Portico-Deadline' as const;
