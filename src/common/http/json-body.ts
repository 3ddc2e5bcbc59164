import type { RequestHandler } from 'express';
import { json } from 'express';
import { AppError } from '../errors/app-error';
import { deferRefusal } from './early-refusal';

/** Deeper JSON is refused before validation, whose recursion it would otherwise overflow. */
export const MAX_JSON_DEPTH = 32;

const JSON_TYPES = ['application/json', 'application/*+json'];

interface BodyParserError {
  type?: string;
  status?: number;
}

/**
 * The JSON body parser: a malformed, oversized, too deeply nested or non-JSON
 * body is refused (deferred, see early-refusal.ts) with a message of our own,
 * never the parser's.
 */
export function jsonBody(limitBytes: number): RequestHandler {
  const parse = json({ limit: limitBytes, type: JSON_TYPES });
  return (request, response, next) => {
    if (hasBody(request.headers) && !request.is(JSON_TYPES)) {
      deferRefusal(request, new AppError('INVALID_INPUT', 'Request body must be JSON (Content-Type: application/json)'));
      // The body is never read: the connection closes after the answer rather than draining it.
      next();
      return;
    }
    parse(request, response, (error?: unknown) => {
      if (error) deferRefusal(request, refusalFor(error, limitBytes));
      else if (depthExceeds(request.body as unknown, MAX_JSON_DEPTH)) {
        request.body = undefined;
        deferRefusal(request, new AppError('INVALID_INPUT', `JSON nested deeper than ${MAX_JSON_DEPTH} levels`));
      }
      next();
    });
  };
}

function hasBody(headers: Record<string, string | string[] | undefined>): boolean {
  return headers['transfer-encoding'] !== undefined || (headers['content-length'] !== undefined && headers['content-length'] !== '0');
}

function refusalFor(error: BodyParserError, limitBytes: number): AppError {
  switch (error.type) {
    case 'entity.too.large':
      return new AppError('PAYLOAD_TOO_LARGE', `Request body larger than ${limitBytes} bytes`);
    case 'entity.parse.failed':
      return new AppError('INVALID_INPUT', 'Malformed JSON body');
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return new AppError('INVALID_INPUT', 'Unsupported body encoding');
    default:
      return new AppError('INVALID_INPUT', 'Unreadable request body');
  }
}

/** Iterative, so a hostile depth costs a loop, not the stack. */
export function depthExceeds(value: unknown, maxDepth: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth > maxDepth) return true;
    for (const child of Object.values(node)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
}
