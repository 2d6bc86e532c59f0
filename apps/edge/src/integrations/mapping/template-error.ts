/** A template that does not parse or fails while rendering; the caller answers with a 5xx. */
export class TemplateError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TemplateError';
  }
}
