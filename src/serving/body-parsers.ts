/**
 * JSON and NDJSON request bodies, decoded by eddy's own input rules (src/events/json-input.ts)
 * instead of Fastify's default parser: that one refuses a whole body for one `__proto__` key, and a
 * body it accepts may still be nested too deep for the code after it. Here every element of a batch
 * is decoded and checked on its own, and a bad one becomes a rejection in its place.
 */
import type { FastifyInstance } from 'fastify';
import { EddyError } from '../errors.ts';
import { decodeJsonBody, decodeNdjsonBody, MalformedBody, type InputLimits } from '../events/json-input.ts';

/** Replaces the JSON body parser and adds NDJSON (`application/x-ndjson`, one event per line). */
export function registerBodyParsers(app: FastifyInstance, limits?: InputLimits): void {
  const parser = (decode: (bytes: Buffer) => unknown) => (_request: unknown, body: string | Buffer, done: (error: Error | null, value?: unknown) => void) => {
    try {
      done(null, decode(body as Buffer));
    } catch (error) {
      if (!(error instanceof MalformedBody)) return done(error as Error);
      done(new EddyError('EDDY_INVALID_BODY', { message: 'the request body could not be parsed', details: [error.message] }));
    }
  };
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, parser((bytes) => decodeJsonBody(bytes, limits)));
  app.addContentTypeParser('application/x-ndjson', { parseAs: 'buffer' }, parser((bytes) => decodeNdjsonBody(bytes, limits)));
}
