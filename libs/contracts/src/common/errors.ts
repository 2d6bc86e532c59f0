/** Error codes that cross NATS as `{ code, message }`; the edge maps them to HTTP statuses. */
export type PorticoErrorCode =
  | 'BadRequest'
  | 'NotFound'
  | 'FunctionError'
  | 'FunctionTimeout'
  | 'Unavailable'
  | 'Internal'
  /** A WebSocket connection that is closed or never existed (AWS's 410 GoneException). */
  | 'Gone'
  | 'PayloadTooLarge'
  /** A write that clashes with what exists (an API key value already in use). */
  | 'Conflict';

export interface PorticoError {
  code: PorticoErrorCode;
  message: string;
}
