/**
 * A method's mock integration answering 200 with no body, as an OpenAPI snippet to put after a
 * method's line (`get:${MOCK_200}`, or after its `security:` line) at the indentation of a
 * method under a path.
 */
export const MOCK_200 = `
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: { application/json: '{"statusCode": 200}' }
        responses: { default: { statusCode: '200' } }`;
