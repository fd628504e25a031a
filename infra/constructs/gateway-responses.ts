import { ResponseType, type RestApi } from 'aws-cdk-lib/aws-apigateway';

interface JsonGatewayResponse {
  type: ResponseType;
  /** The `error.code` clients see; the API's own codes where the meaning is the same. */
  code: string;
  /** Overrides API Gateway's status code. */
  statusCode?: string;
  /** A fixed message instead of API Gateway's own (`$context.error.messageString`, already JSON-quoted). */
  message?: string;
}

const RESPONSES: readonly JsonGatewayResponse[] = [
  {
    type: ResponseType.UNAUTHORIZED,
    code: 'unauthorized',
    message: 'A valid API key is required: send "Authorization: Bearer <key>".',
  },
  { type: ResponseType.ACCESS_DENIED, code: 'forbidden' },
  // REST APIs answer an unknown route with 403 "Missing Authentication Token"; to a client it is a 404.
  { type: ResponseType.MISSING_AUTHENTICATION_TOKEN, code: 'not_found', statusCode: '404', message: 'No such route.' },
  { type: ResponseType.BAD_REQUEST_BODY, code: 'validation_error' },
  { type: ResponseType.BAD_REQUEST_PARAMETERS, code: 'validation_error' },
  { type: ResponseType.REQUEST_TOO_LARGE, code: 'payload_too_large' },
  { type: ResponseType.THROTTLED, code: 'throttled' },
  { type: ResponseType.INTEGRATION_TIMEOUT, code: 'timeout' },
  { type: ResponseType.DEFAULT_4XX, code: 'bad_request' },
  { type: ResponseType.DEFAULT_5XX, code: 'internal_error' },
];

/**
 * Makes the errors API Gateway answers by itself (authorizer denials, validation, throttling) use
 * the API's JSON shape `{"error":{"code","message"}}`:
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-gatewayResponse-definition.html
 */
export function addJsonGatewayResponses(api: RestApi): void {
  for (const response of RESPONSES) {
    const message = response.message === undefined ? '$context.error.messageString' : JSON.stringify(response.message);
    api.addGatewayResponse(`${response.type.responseType}Response`, {
      type: response.type,
      statusCode: response.statusCode,
      templates: { 'application/json': `{"error":{"code":${JSON.stringify(response.code)},"message":${message}}}` },
    });
  }
}
