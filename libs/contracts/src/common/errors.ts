/** Error codes that cross NATS as `{ code, message }`; the edge maps them to HTTP statuses. */
export type PorticoErrorCode =
  'BadRequest' | 'NotFound' | 'FunctionError' | 'FunctionTimeout' | 'Unavailable' | 'Internal';

export interface PorticoError {
  code: PorticoErrorCode;
  message: string;
}
