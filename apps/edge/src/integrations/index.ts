export * from './integration.types';
export * from './integrations.constants';
export * from './integrations.module';
export { IntegrationService } from './integration.service';
export {
  renderTemplate,
  TemplateError,
  type TemplateInput,
  type TemplateVariables,
} from './mapping/vtl';
export { buildTemplateContext, buildTemplateVariables } from './mapping/template-context';
export { formatRequestTime } from './mapping/request-time';
