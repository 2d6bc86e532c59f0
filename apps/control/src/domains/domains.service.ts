import { Inject, Injectable, Logger } from '@nestjs/common';
import { type DomainName, DefinitionStore, type EndpointType } from '@portico/definitions';
import {
  AwsBadRequestException,
  AwsConflictException,
  AwsNotFoundException,
} from '../common/aws-errors';
import { Clock } from '../common/clock';
import { apiScope, domainScope } from '../common/locking';
import { requireDomain } from '../common/lookups';
import { type Page, paginate } from '../common/pagination';
import { CONTROL_CONFIG } from '../common/tokens';
import type { ControlConfig } from '../config';
import { ControlEvents } from '../events/control-events.service';
import { checkDomainName, domainShape, mappingShape, normaliseBasePath } from './domain.rules';

export interface CreateDomainRequest {
  domainName: string;
  certificateName?: string;
  certificateArn?: string;
  regionalCertificateName?: string;
  regionalCertificateArn?: string;
  endpointConfiguration?: { types?: EndpointType[] };
  securityPolicy?: 'TLS_1_0' | 'TLS_1_2';
  tags?: Record<string, string>;
}

export interface CreateMappingRequest {
  domainName: string;
  basePath?: string;
  restApiId: string;
  stage?: string;
}

type Shape = Record<string, unknown>;

/** Custom domain names and their base path mappings. */
@Injectable()
export class DomainsService {
  private readonly logger = new Logger(DomainsService.name);

  constructor(
    private readonly store: DefinitionStore,
    private readonly clock: Clock,
    private readonly events: ControlEvents,
    @Inject(CONTROL_CONFIG) private readonly config: ControlConfig,
  ) {}

  async createDomainName(req: CreateDomainRequest): Promise<Shape> {
    const name = checkDomainName(req.domainName);
    const domain = await this.store.withLock(domainScope(name), async () => {
      if (await this.store.getDomain(name)) {
        throw new AwsConflictException(`The domain name you provided already exists: ${name}`);
      }
      const created = this.newDomain(name, req);
      await this.store.putDomain(created);
      return created;
    });
    this.logger.log({ domainName: name }, 'domain name created');
    await this.events.publish({ stages: [], domains: [{ domainName: name, change: 'updated' }] });
    return domainShape(domain, this.config.region);
  }

  private newDomain(name: string, req: CreateDomainRequest): DomainName {
    return {
      domainName: name,
      certificateName: req.certificateName ?? req.regionalCertificateName,
      certificateArn: req.certificateArn,
      regionalCertificateArn: req.regionalCertificateArn,
      endpointConfiguration: { types: req.endpointConfiguration?.types ?? ['EDGE'] },
      securityPolicy: req.securityPolicy ?? 'TLS_1_2',
      domainNameStatus: 'AVAILABLE',
      createdDate: this.clock.nowSeconds(),
      tags: { ...req.tags },
      basePathMappings: [],
    };
  }

  async getDomainNames(query: { limit?: string; position?: string }): Promise<Page<Shape>> {
    const page = paginate(await this.store.listDomains(), query);
    return { ...page, item: page.item.map((d) => domainShape(d, this.config.region)) };
  }

  async getDomainName(name: string): Promise<Shape> {
    return domainShape(await requireDomain(this.store, name), this.config.region);
  }

  async deleteDomainName(name: string): Promise<void> {
    const domain = await this.store.withLock(domainScope(name), async () => {
      const existing = await requireDomain(this.store, name);
      await this.store.deleteDomain(existing.domainName);
      return existing;
    });
    this.logger.log({ domainName: domain.domainName }, 'domain name deleted');
    await this.events.publish({
      stages: [],
      domains: [{ domainName: domain.domainName, change: 'deleted' }],
    });
  }

  /** CreateBasePathMapping: the API and stage must exist; a base path maps only once. */
  async createBasePathMapping(req: CreateMappingRequest): Promise<Shape> {
    const basePath = normaliseBasePath(req.basePath);
    if (!req.stage) {
      throw new AwsBadRequestException('stage is required: Portico maps a base path to one stage');
    }
    const stage = req.stage;
    // The API's lock too: a stage deleted meanwhile would leave the mapping pointing nowhere.
    const scopes = [apiScope(req.restApiId), domainScope(req.domainName)];
    const { domain, mapping } = await this.store.withLock(scopes, async () => {
      const current = await requireDomain(this.store, req.domainName);
      if (!(await this.store.getRestApi(req.restApiId))) {
        throw new AwsBadRequestException(`Invalid REST API identifier specified: ${req.restApiId}`);
      }
      if (!(await this.store.getStage(req.restApiId, stage))) {
        throw new AwsBadRequestException(
          `Invalid stage identifier specified: ${req.restApiId}/${stage}`,
        );
      }
      if (current.basePathMappings.some((m) => m.basePath === basePath)) {
        throw new AwsConflictException(
          `Base path already exists for this domain name: ${basePath}`,
        );
      }
      const added = { basePath, restApiId: req.restApiId, stage };
      await this.store.putDomain({
        ...current,
        basePathMappings: [...current.basePathMappings, added],
      });
      return { domain: current, mapping: added };
    });
    this.logger.log({ domainName: domain.domainName, ...mapping }, 'base path mapping created');
    await this.events.publish({
      stages: [],
      domains: [{ domainName: domain.domainName, change: 'updated' }],
    });
    return mappingShape(mapping);
  }

  async getBasePathMappings(
    name: string,
    query: { limit?: string; position?: string },
  ): Promise<Page<Shape>> {
    const domain = await requireDomain(this.store, name);
    const page = paginate(domain.basePathMappings, query);
    return { ...page, item: page.item.map(mappingShape) };
  }

  async getBasePathMapping(name: string, basePath: string): Promise<Shape> {
    const domain = await requireDomain(this.store, name);
    return mappingShape(findMapping(domain, normaliseBasePath(basePath)));
  }

  async deleteBasePathMapping(name: string, basePath: string): Promise<void> {
    const { domain, mapping } = await this.store.withLock(domainScope(name), async () => {
      const current = await requireDomain(this.store, name);
      const found = findMapping(current, normaliseBasePath(basePath));
      await this.store.putDomain({
        ...current,
        basePathMappings: current.basePathMappings.filter((m) => m !== found),
      });
      return { domain: current, mapping: found };
    });
    this.logger.log(
      { domainName: domain.domainName, basePath: mapping.basePath },
      'base path mapping deleted',
    );
    await this.events.publish({
      stages: [],
      domains: [{ domainName: domain.domainName, change: 'updated' }],
    });
  }
}

function findMapping(domain: DomainName, basePath: string): DomainName['basePathMappings'][number] {
  const mapping = domain.basePathMappings.find((m) => m.basePath === basePath);
  if (!mapping) {
    throw new AwsNotFoundException(
      `Invalid base path mapping identifier specified: ${domain.domainName}/${basePath}`,
    );
  }
  return mapping;
}
