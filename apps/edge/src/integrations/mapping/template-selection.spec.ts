import type { IntegrationResponse } from '@portico/definitions';
import { IntegrationFailure } from '../integration.types';
import {
  mediaTypeOf,
  selectIntegrationResponse,
  selectRequestTemplate,
  selectResponseTemplate,
} from './template-selection';

const response = (selectionPattern: string, statusCode: string): IntegrationResponse => ({
  selectionPattern,
  statusCode,
  responseParameters: {},
  responseTemplates: {},
});

describe('mediaTypeOf', () => {
  it('strips parameters and case, defaulting to application/json', () => {
    expect(mediaTypeOf('Text/XML; charset=UTF-8')).toBe('text/xml');
    expect(mediaTypeOf(undefined)).toBe('application/json');
    expect(mediaTypeOf('')).toBe('application/json');
  });
});

describe('selectRequestTemplate', () => {
  const templates = { 'application/json': 'J', 'application/xml': 'X' };

  it('picks the template for the request media type, application/json when none is sent', () => {
    const integration = { requestTemplates: templates, passthroughBehavior: 'NEVER' as const };
    expect(selectRequestTemplate(integration, 'application/xml; charset=utf-8')).toEqual({
      kind: 'template',
      contentType: 'application/xml',
      template: 'X',
    });
    expect(selectRequestTemplate(integration, undefined)).toMatchObject({
      kind: 'template',
      template: 'J',
    });
  });

  it('WHEN_NO_MATCH passes an unmatched body through', () => {
    expect(
      selectRequestTemplate(
        { requestTemplates: templates, passthroughBehavior: 'WHEN_NO_MATCH' },
        'text/plain',
      ),
    ).toEqual({ kind: 'passthrough' });
  });

  it('WHEN_NO_TEMPLATES passes through only when there are no templates at all', () => {
    expect(
      selectRequestTemplate(
        { requestTemplates: {}, passthroughBehavior: 'WHEN_NO_TEMPLATES' },
        'text/plain',
      ),
    ).toEqual({
      kind: 'passthrough',
    });
    expect(() =>
      selectRequestTemplate(
        { requestTemplates: templates, passthroughBehavior: 'WHEN_NO_TEMPLATES' },
        'text/plain',
      ),
    ).toThrow(IntegrationFailure);
  });

  it('NEVER answers 415 for an unmatched media type', () => {
    let failure: IntegrationFailure | undefined;
    try {
      selectRequestTemplate({ requestTemplates: {}, passthroughBehavior: 'NEVER' }, 'text/plain');
    } catch (err) {
      failure = err as IntegrationFailure;
    }
    expect(failure).toBeInstanceOf(IntegrationFailure);
    expect(failure?.statusCode).toBe(415);
    expect(failure?.responseType).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(failure?.clientMessage).toBe('Unsupported Media Type');
  });
});

describe('selectIntegrationResponse', () => {
  const responses = [
    response('default', '200'),
    response('4\\d{2}', '400'),
    response('500|503', '502'),
    response('[', '599'),
  ];

  it('matches the whole status code against each selectionPattern in order', () => {
    expect(selectIntegrationResponse(responses, '404')?.statusCode).toBe('400');
    expect(selectIntegrationResponse(responses, '503')?.statusCode).toBe('502');
  });

  it('does not accept a partial match', () => {
    expect(selectIntegrationResponse(responses, '5000')?.statusCode).toBe('200');
    expect(selectIntegrationResponse(responses, '1404')?.statusCode).toBe('200');
  });

  it('falls back to the default response, or none when there is no default', () => {
    expect(selectIntegrationResponse(responses, '201')?.statusCode).toBe('200');
    expect(selectIntegrationResponse([response('4\\d{2}', '400')], '201')).toBeUndefined();
  });
});

describe('selectResponseTemplate', () => {
  const templates = { 'application/xml': 'X', 'application/json': 'J' };

  it('answers with the only template whatever Accept says', () => {
    for (const accept of [undefined, '', 'image/png', 'text/plain, application/json']) {
      expect(selectResponseTemplate({ 'text/plain': 'T' }, accept)).toEqual({
        contentType: 'text/plain',
        template: 'T',
      });
    }
  });

  it('follows the Accept header', () => {
    expect(selectResponseTemplate(templates, 'text/html, application/xml;q=0.9')?.template).toBe(
      'X',
    );
  });

  it('uses application/json when Accept is absent or matches nothing, else the first template', () => {
    expect(selectResponseTemplate(templates, undefined)?.template).toBe('J');
    expect(selectResponseTemplate(templates, 'image/png')?.template).toBe('J');
    expect(selectResponseTemplate({ 'text/plain': 'T' }, undefined)).toEqual({
      contentType: 'text/plain',
      template: 'T',
    });
    expect(selectResponseTemplate({}, 'application/json')).toBeUndefined();
  });
});
