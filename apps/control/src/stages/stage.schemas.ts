/** JSON Schemas of the request bodies that create or repoint a stage. */

export const stringMapSchema = { type: 'object', additionalProperties: { type: 'string' } };

/** Fields CreateStage and CreateDeployment share (a deployment may create its stage). */
const stageFields = {
  stageName: { type: 'string' },
  description: { type: 'string' },
  cacheClusterEnabled: { type: 'boolean' },
  cacheClusterSize: { type: 'string' },
  variables: stringMapSchema,
  tracingEnabled: { type: 'boolean' },
};

export const createStageSchema = {
  type: 'object',
  required: ['stageName', 'deploymentId'],
  properties: {
    ...stageFields,
    deploymentId: { type: 'string', minLength: 1 },
    tags: stringMapSchema,
  },
};

export const createDeploymentSchema = {
  type: 'object',
  properties: { ...stageFields, stageDescription: { type: 'string' } },
};
