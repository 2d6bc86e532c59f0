/**
 * A definition that cannot be imported or exported. `location` points into the document
 * (`paths./pets.get.x-amazon-apigateway-integration.type`) so callers can say where.
 * control maps it to AWS's BadRequestException.
 */
export class DefinitionError extends Error {
  constructor(
    message: string,
    readonly location?: string,
  ) {
    super(location ? `${message} (at ${location})` : message);
    this.name = 'DefinitionError';
  }
}
