import type { BasePathMapping, DomainName } from '@portico/definitions';
import { AwsBadRequestException } from '../common/aws-errors';

/** A DNS host name; custom domains are matched by the Host header, case-insensitively. */
export const DOMAIN_NAME_PATTERN =
  '^(?=.{1,253}$)[A-Za-z0-9*]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$';
/** Base path segments as AWS allows them; several segments are joined by `/`. */
export const BASE_PATH_PATTERN = "^[A-Za-z0-9$_.+!*'()-]+(/[A-Za-z0-9$_.+!*'()-]+)*$";
/** How AWS shows (and accepts) the mapping of the domain root. */
export const ROOT_BASE_PATH = '(none)';

export function checkDomainName(name: string): string {
  if (!new RegExp(DOMAIN_NAME_PATTERN).test(name)) {
    throw new AwsBadRequestException(`Invalid domain name: ${JSON.stringify(name)}`);
  }
  return name.toLowerCase();
}

/** `undefined`, '' and `(none)` all mean the root; otherwise the path without outer slashes. */
export function normaliseBasePath(basePath: string | undefined): string {
  const trimmed = (basePath ?? '').replace(/^\/+|\/+$/g, '');
  if (trimmed === '' || trimmed === ROOT_BASE_PATH) return ROOT_BASE_PATH;
  if (!new RegExp(BASE_PATH_PATTERN).test(trimmed)) {
    throw new AwsBadRequestException(`Invalid base path: ${JSON.stringify(basePath)}`);
  }
  return trimmed;
}

export function domainShape(d: DomainName, region: string): Record<string, unknown> {
  return {
    domainName: d.domainName,
    domainNameArn: `arn:aws:apigateway:${region}::/domainnames/${d.domainName}`,
    certificateName: d.certificateName,
    certificateArn: d.certificateArn,
    regionalCertificateArn: d.regionalCertificateArn,
    endpointConfiguration: d.endpointConfiguration,
    domainNameStatus: d.domainNameStatus,
    securityPolicy: d.securityPolicy,
    tags: d.tags,
  };
}

export function mappingShape(m: BasePathMapping): Record<string, unknown> {
  return { basePath: m.basePath, restApiId: m.restApiId, stage: m.stage };
}
