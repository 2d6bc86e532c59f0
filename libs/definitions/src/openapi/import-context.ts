import type { JsonObject } from '../util/json';
import type { DocumentFlavor } from './document-validate';

/** What the import steps share: the document, its flavor and the warnings found so far. */
export class ImportContext {
  readonly warnings: string[] = [];

  constructor(
    readonly doc: JsonObject,
    readonly flavor: DocumentFlavor,
  ) {}

  warn(message: string, location?: string): void {
    this.warnings.push(location ? `${message} (at ${location})` : message);
  }
}
