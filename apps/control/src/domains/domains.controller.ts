import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { pageQuery, type QueryParams } from '../common/query';
import { jsonBody } from '../common/request-body';
import {
  type CreateDomainRequest,
  type CreateMappingRequest,
  DomainsService,
} from './domains.service';

const createDomainSchema = {
  type: 'object',
  required: ['domainName'],
  properties: {
    domainName: { type: 'string' },
    certificateName: { type: 'string' },
    certificateArn: { type: 'string' },
    regionalCertificateName: { type: 'string' },
    regionalCertificateArn: { type: 'string' },
    endpointConfiguration: {
      type: 'object',
      properties: {
        types: { type: 'array', items: { enum: ['EDGE', 'REGIONAL', 'PRIVATE'] }, maxItems: 1 },
      },
    },
    securityPolicy: { enum: ['TLS_1_0', 'TLS_1_2'] },
    tags: { type: 'object', additionalProperties: { type: 'string' } },
  },
};

const createMappingSchema = {
  type: 'object',
  required: ['restApiId'],
  properties: {
    basePath: { type: 'string' },
    restApiId: { type: 'string', minLength: 1 },
    stage: { type: 'string' },
  },
};

/** CreateDomainName, GetDomainNames, GetDomainName, DeleteDomainName and the base path mappings. */
@Controller('domainnames')
export class DomainsController {
  constructor(private readonly domains: DomainsService) {}

  @Post()
  createDomainName(@Body() body: unknown) {
    return this.domains.createDomainName(jsonBody<CreateDomainRequest>(body, createDomainSchema));
  }

  @Get()
  getDomainNames(@Query() query: QueryParams) {
    return this.domains.getDomainNames(pageQuery(query));
  }

  @Get(':domainName')
  getDomainName(@Param('domainName') name: string) {
    return this.domains.getDomainName(name);
  }

  @Delete(':domainName')
  @HttpCode(202)
  async deleteDomainName(@Param('domainName') name: string) {
    await this.domains.deleteDomainName(name);
  }

  @Post(':domainName/basepathmappings')
  createBasePathMapping(@Param('domainName') name: string, @Body() body: unknown) {
    const req = jsonBody<Omit<CreateMappingRequest, 'domainName'>>(body, createMappingSchema);
    return this.domains.createBasePathMapping({ ...req, domainName: name });
  }

  @Get(':domainName/basepathmappings')
  getBasePathMappings(@Param('domainName') name: string, @Query() query: QueryParams) {
    return this.domains.getBasePathMappings(name, pageQuery(query));
  }

  @Get(':domainName/basepathmappings/:basePath')
  getBasePathMapping(@Param('domainName') name: string, @Param('basePath') basePath: string) {
    return this.domains.getBasePathMapping(name, basePath);
  }

  @Delete(':domainName/basepathmappings/:basePath')
  @HttpCode(202)
  async deleteBasePathMapping(
    @Param('domainName') name: string,
    @Param('basePath') basePath: string,
  ) {
    await this.domains.deleteBasePathMapping(name, basePath);
  }
}
