import { Inject, Injectable } from '@nestjs/common';
import {
  DefinitionStore,
  type ExportOptions,
  exportOpenApi,
  serializeDocument,
} from '@portico/definitions';
import { AwsNotFoundException } from '../common/aws-errors';
import { requireDeployment, requireRestApi, requireStage } from '../common/lookups';
import { CONTROL_CONFIG } from '../common/tokens';
import type { ControlConfig } from '../config';

export interface ExportRequest {
  restApiId: string;
  stageName: string;
  format: ExportOptions['format'];
  as: 'json' | 'yaml';
  extensions?: ExportOptions['extensions'];
}

export interface ExportedDocument {
  contentType: string;
  contentDisposition: string;
  body: string;
}

@Injectable()
export class ExportService {
  constructor(
    private readonly store: DefinitionStore,
    @Inject(CONTROL_CONFIG) private readonly config: ControlConfig,
  ) {}

  /** GetExport: the definition the stage serves (its deployment's snapshot), not the draft. */
  async getExport(req: ExportRequest): Promise<ExportedDocument> {
    const api = await requireRestApi(this.store, req.restApiId);
    const stage = await requireStage(this.store, api.id, req.stageName);
    // Only a v2 (WebSocket) stage may point at no deployment; this is a REST API's.
    if (stage.deploymentId === undefined) {
      throw new AwsNotFoundException(`Stage ${stage.stageName} has no deployment to export`);
    }
    const deployment = await requireDeployment(this.store, api.id, stage.deploymentId);
    const doc = exportOpenApi(deployment.definition, {
      format: req.format,
      api: { id: api.id, name: api.name, description: api.description, version: api.version },
      stage: { stageName: stage.stageName, variables: stage.variables },
      host: `${api.id}.execute-api.${this.config.domain}`,
      extensions: req.extensions,
    });
    return {
      contentType: req.as === 'yaml' ? 'application/yaml' : 'application/json',
      contentDisposition: `attachment; filename="${api.id}-${stage.stageName}-${req.format}.${req.as}"`,
      body: serializeDocument(doc, req.as),
    };
  }
}
