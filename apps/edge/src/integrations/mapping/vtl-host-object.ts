/**
 * An object the gateway hands to templates (`$input`, `$util`). Templates call only the methods
 * it names, and read only its own data properties (`$input.body`); the methods live on the
 * prototype, so `#foreach` over the object cannot pull them out as values.
 */
export abstract class VtlHostObject {
  /** A prototype getter, not an own field: templates read only own properties of host objects. */
  protected abstract get methods(): ReadonlySet<string>;

  /** The template's `$obj.name(args)`; undefined for a name the object does not offer. */
  callFromTemplate(name: string, args: unknown[]): unknown {
    if (!this.methods.has(name)) return undefined;
    const method = (this as unknown as Record<string, (...a: unknown[]) => unknown>)[name];
    return method?.apply(this, args);
  }
}
