import { Controller, Get, Headers, Param, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AwsBadRequestException } from '../common/aws-errors';
import { queryList, type QueryParams } from '../common/query';
import { ExportService } from './export.service';

const EXPORT_TYPES = ['oas30', 'swagger'] as const;
const EXTENSIONS = ['integrations', 'apigateway', 'authorizers', 'postman', 'none'] as const;

/** GetExport. */
@Controller('restapis/:restApiId/stages/:stageName/exports')
export class ExportController {
  constructor(private readonly exports: ExportService) {}

  @Get(':exportType')
  async getExport(
    @Param('restApiId') restApiId: string,
    @Param('stageName') stageName: string,
    @Param('exportType') exportType: string,
    @Query() query: QueryParams,
    @Headers('accept') accept: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (!(EXPORT_TYPES as readonly string[]).includes(exportType)) {
      throw new AwsBadRequestException(
        `Unsupported export type: ${exportType} (supported: ${EXPORT_TYPES.join(', ')})`,
      );
    }
    const doc = await this.exports.getExport({
      restApiId,
      stageName,
      format: exportType as (typeof EXPORT_TYPES)[number],
      as: acceptedFormat(accept),
      extensions: exportExtensions(query),
    });
    await reply
      .status(200)
      .header('content-type', doc.contentType)
      .header('content-disposition', doc.contentDisposition)
      // Bytes, so Fastify sends the content type exactly as AWS does (no charset appended).
      .send(Buffer.from(doc.body, 'utf8'));
  }
}

/**
 * AWS takes any combination (`extensions=integrations,authorizers`). Portico's export has the
 * API Gateway extensions as a whole or not at all, so any one that asks for them wins. Without
 * the parameter AWS exports plain OpenAPI, so Portico does too.
 */
function exportExtensions(query: QueryParams): (typeof EXTENSIONS)[number] | undefined {
  const values = queryList(query, 'extensions');
  const unknown = values.find((v) => !(EXTENSIONS as readonly string[]).includes(v));
  if (unknown !== undefined) {
    throw new AwsBadRequestException(
      `Invalid value for extensions: ${unknown} (expected any of ${EXTENSIONS.join(', ')})`,
    );
  }
  const chosen = values as (typeof EXTENSIONS)[number][];
  return chosen.find((v) => v !== 'postman' && v !== 'none') ?? chosen[0] ?? 'none';
}

/** AWS offers `application/json` (the default) and `application/yaml`. */
function acceptedFormat(accept: string | undefined): 'json' | 'yaml' {
  const types = (accept ?? '').split(',').map((t) => t.split(';')[0]!.trim().toLowerCase());
  if (
    types.some((t) => t === 'application/yaml' || t === 'application/x-yaml' || t === 'text/yaml')
  ) {
    return 'yaml';
  }
  if (
    types.every((t) => t === '' || t === '*/*' || t === 'application/*' || t === 'application/json')
  ) {
    return 'json';
  }
  throw new AwsBadRequestException(
    `Unsupported Accept: ${accept} (supported: application/json, application/yaml)`,
  );
}
