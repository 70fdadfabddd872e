/**
 * Every failure → its HTTP answer, in one place: our own ApiHttpErrors, validation (a batch too big
 * is a 413, the rest a 400 saying where), body parsing, rate limits, the router's and Node's own
 * errors before Fastify, and anything unexpected (a 500 with the request id, logged).
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Socket } from 'node:net';
import { MAX_FILE_BATCH } from '../../core/api';
import { ApiHttpError } from '../errors';
import { NO_STORE, newRequestId, sendError as send } from './reply';

/** A validation error in plain words: where, and what was wrong (never the value sent). */
function validationMessage(error: FastifyError): string {
  const first = error.validation?.[0];
  if (!first) return 'The request is not valid.';
  const where = `${error.validationContext ?? 'body'}${first.instancePath ? first.instancePath.replace(/\//g, '.') : ''}`;
  return `The request is not valid: ${where} ${first.message ?? 'is wrong'}.`;
}

/** Errors the router raises before any hook (a URL that does not decode, an over-long parameter). */
export function frameworkErrors(error: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  return error.code === 'FST_ERR_MAX_PARAM_LENGTH'
    ? send(reply, req, 414, 'url-too-long', 'The request address is too long.')
    : send(reply, req, 400, 'bad-url', 'The request address is not valid.');
}

/** Oversized or malformed HTTP before Fastify sees it: still answer JSON, never a bare reset. */
export function clientErrorHandler(err: Error, socket: Socket) {
  const code = (err as { code?: string }).code;
  const status = code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  const requestId = newRequestId();
  const body = JSON.stringify({
    code: status === 431 ? 'headers-too-large' : 'bad-request',
    message: status === 431 ? 'The request headers are too large.' : 'The request is malformed.',
    requestId,
  });
  if (socket.writable) {
    socket.end(
      `HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\nContent-Type: application/json; charset=utf-8\r\nCache-Control: ${NO_STORE}\r\nX-Request-Id: ${requestId}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  } else socket.destroy();
}

function sendValidation(error: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  const tooMany = error.validation?.some((v) => v.keyword === 'maxItems' && v.instancePath === '/messages');
  if (tooMany) return send(reply, req, 413, 'too-many-messages', `At most ${MAX_FILE_BATCH} mails can be filed in one request; send them in smaller batches.`);
  return send(reply, req, 400, 'invalid-request', validationMessage(error));
}

/** Body-parsing failures, by Fastify's code; undefined when it is none of them. */
function parseFailure(error: FastifyError, bodyLimit: number): [number, string, string] | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return [400, 'invalid-json', 'The request body is not valid JSON.'];
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return [413, 'request-too-large', `The request body is larger than ${bodyLimit} bytes.`];
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return [415, 'unsupported-media-type', 'Send the request body as application/json.'];
    default:
      if (error instanceof SyntaxError || (error.statusCode === 400 && /JSON/i.test(error.message)))
        return [400, 'invalid-json', 'The request body is not valid JSON.'];
      return undefined;
  }
}

/** The error handler and the 404 of the whole service. */
export function registerErrorHandling(app: FastifyInstance, bodyLimit: number): void {
  app.setErrorHandler((error: FastifyError, req, reply) => {
    if (error instanceof ApiHttpError) {
      for (const [k, v] of Object.entries(error.headers)) reply.header(k, v);
      if (error.statusCode >= 500) req.log.warn({ code: error.code }, error.message);
      return send(reply, req, error.statusCode, error.code, error.message, error.causeCode ? { cause: error.causeCode } : {});
    }
    if (error.validation) return sendValidation(error, req, reply);
    // A route may allow more than the service's limit (mail content does): name the one that refused.
    const parse = parseFailure(error, req.routeOptions.bodyLimit ?? bodyLimit);
    if (parse) return send(reply, req, ...parse);
    const status = error.statusCode ?? 500;
    if (status === 429) return send(reply, req, 429, 'rate-limited', 'Too many requests; wait a moment and try again.', { cause: 'throttled' });
    if (status >= 400 && status < 500) return send(reply, req, status, 'bad-request', 'The request is not valid.');
    req.log.error({ err: { type: error.name, code: error.code, stack: error.stack } }, 'unhandled error');
    return send(reply, req, 500, 'internal-error', 'Something went wrong in the adapter. Quote the request id to support.', { cause: 'unknown' });
  });
  app.setNotFoundHandler((req, reply) => send(reply, req, 404, 'not-found', 'There is nothing at this address.'));
}
