/** Emitted by control after a custom domain name or one of its base path mappings changes. */
export const CONTROL_DOMAIN_CHANGED = 'portico.control.domain.changed.v1' as const;

export interface DomainChangedEvent {
  domainName: string;
  change: 'updated' | 'deleted';
}
