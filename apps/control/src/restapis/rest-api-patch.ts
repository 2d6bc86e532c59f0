import type { ApiDefinition, ApiKeySource, RestApi } from '@portico/definitions';
import { AwsBadRequestException } from '../common/aws-errors';
import {
  checkedPatch,
  type PatchOp,
  type PatchOperation,
  unescapePointer,
} from '../common/patch-operations';
import { withDefinition } from './rest-api.factory';
import { POLICY_EXTENSION, policyFromPatchValue } from './resource-policy';

const ENDPOINT_EXTENSION = 'x-amazon-apigateway-endpoint-configuration';
const API_KEY_SOURCES: readonly ApiKeySource[] = ['HEADER', 'AUTHORIZER'];
const MAX_COMPRESSION_SIZE = 10_485_760;
const BINARY_MEDIA_TYPES = '/binaryMediaTypes/';

/** What one operation may change: the name, and the definition the rest lives in. */
interface Draft {
  name: string;
  definition: ApiDefinition;
}

/**
 * Applies UpdateRestApi's patch operations in order. Everything but the name lives in the
 * API's definition, so — as on AWS — a change serves from the next CreateDeployment. An
 * operation that is not supported, or whose value is wrong, rejects the whole patch.
 */
export function applyRestApiPatch(api: RestApi, operations: PatchOperation[]): RestApi {
  const draft: Draft = { name: api.name, definition: structuredClone(api.definition) };
  for (const operation of operations) applyOne(draft, operation);
  return withDefinition(api, draft.definition, draft.name);
}

function applyOne(draft: Draft, patch: PatchOperation): void {
  const { op, path, only, value, flag } = checkedPatch(patch);
  const def = draft.definition;

  if (path.startsWith(BINARY_MEDIA_TYPES) && path.length > BINARY_MEDIA_TYPES.length) {
    patchBinaryMediaType(def, op, unescapePointer(path.slice(BINARY_MEDIA_TYPES.length)), () =>
      op === 'replace' ? value() : '',
    );
    return;
  }
  switch (path) {
    case '/name': {
      only('replace');
      const name = value().trim();
      if (name === '') throw new AwsBadRequestException('The REST API name must not be empty');
      draft.name = name;
      def.title = name;
      return;
    }
    case '/description': {
      only('replace', 'remove');
      const text = op === 'remove' ? '' : (patch.value ?? '');
      def.description = text === '' ? undefined : text;
      return;
    }
    case '/policy': {
      only('replace', 'remove');
      const text = op === 'remove' ? '' : (patch.value ?? '');
      if (text.trim() === '') delete def.extensions[POLICY_EXTENSION];
      else def.extensions[POLICY_EXTENSION] = policyFromPatchValue(text);
      return;
    }
    case '/apiKeySource': {
      only('replace');
      const source = value();
      if (!(API_KEY_SOURCES as readonly string[]).includes(source)) {
        throw new AwsBadRequestException(
          `Invalid API key source ${JSON.stringify(source)}: expected one of ${API_KEY_SOURCES.join(', ')}`,
        );
      }
      def.apiKeySource = source as ApiKeySource;
      return;
    }
    case '/disableExecuteApiEndpoint': {
      only('replace');
      const disable = flag();
      const current = def.extensions[ENDPOINT_EXTENSION];
      def.extensions[ENDPOINT_EXTENSION] = {
        ...(typeof current === 'object' && current !== null ? current : {}),
        disableExecuteApiEndpoint: disable,
      };
      return;
    }
    case '/minimumCompressionSize': {
      only('replace');
      const size = patch.value ?? '';
      if (size === '') {
        delete def.minimumCompressionSize;
        return;
      }
      const n = Number(size);
      if (!/^\d+$/.test(size) || n > MAX_COMPRESSION_SIZE) {
        throw new AwsBadRequestException(
          `Invalid minimum compression size, must be between 0 and ${MAX_COMPRESSION_SIZE}`,
        );
      }
      def.minimumCompressionSize = n;
      return;
    }
    default:
      throw new AwsBadRequestException(`Invalid patch path ${path}`);
  }
}

/**
 * `/binaryMediaTypes/{type}` (with `/` in the type written `~1`): add appends it, remove drops
 * it, replace drops it and appends the operation's value — where AWS puts a replaced type.
 */
function patchBinaryMediaType(
  def: ApiDefinition,
  op: PatchOp,
  type: string,
  replacement: () => string,
): void {
  const types = def.binaryMediaTypes;
  const present = types.includes(type);
  if (op === 'add') {
    if (!present) types.push(type);
    return;
  }
  if (!present) {
    throw new AwsBadRequestException(
      `Cannot ${op} binary media type ${type}: the API does not have it`,
    );
  }
  const next = replacement();
  if (op === 'replace' && next.trim() === '') {
    throw new AwsBadRequestException(`Invalid binary media type ${JSON.stringify(next)}`);
  }
  def.binaryMediaTypes = types.filter((t) => t !== type);
  if (op === 'replace' && !def.binaryMediaTypes.includes(next)) def.binaryMediaTypes.push(next);
}
