/**
 * Query-string and path parameters, checked once for every route before its handler runs: each
 * given at most once, of bounded length and valid Unicode. A handler then only checks meaning
 * (`k` from 1 to 200), and no parameter can reach it as an array or a megabyte of text.
 */
import type { FastifyRequest } from 'fastify';
import { EddyError } from '../errors.ts';

/** Longest parameter value accepted (ids are at most 256; `exclude` lists a few hundred). */
const MAX_PARAM_LENGTH = 16 * 1024;
/** Most query parameters in one request. */
const MAX_PARAMS = 32;

/** Throws EDDY_INVALID_QUERY naming each bad parameter. */
export function checkRequestParams(request: FastifyRequest): void {
  const details: string[] = [];
  const check = (where: unknown) => {
    if (where === null || typeof where !== 'object') return;
    const entries = Object.entries(where as Record<string, unknown>);
    if (entries.length > MAX_PARAMS) details.push(`/: more than ${MAX_PARAMS} parameters`);
    for (const [name, value] of entries.slice(0, MAX_PARAMS)) {
      const field = `/${name.slice(0, 64)}`;
      if (typeof value !== 'string') details.push(`${field}: must be given once`);
      else if (value.length > MAX_PARAM_LENGTH) details.push(`${field}: is longer than ${MAX_PARAM_LENGTH} characters`);
      else if (!value.isWellFormed() || !name.isWellFormed()) details.push(`${field}: is not valid Unicode`);
    }
  };
  check(request.query);
  check(request.params);
  if (details.length > 0) throw new EddyError('EDDY_INVALID_QUERY', { details: details.slice(0, 8) });
}

/** An integer parameter from `min` to `max`, `fallback` when absent. */
export function intParam(value: unknown, name: string, min: number, max: number, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new EddyError('EDDY_INVALID_QUERY', { details: [`/${name}: must be an integer from ${min} to ${max}`] });
  }
  return n;
}

/** An id parameter (`user_id`, `content_id`, `session_id`): 1 to 256 characters. */
export function idParam(value: string | undefined, name: string, required: true): string;
export function idParam(value: string | undefined, name: string, required?: false): string | undefined;
export function idParam(value: string | undefined, name: string, required = false): string | undefined {
  if (value === undefined || value === '') {
    if (required) throw new EddyError('EDDY_INVALID_QUERY', { details: [`/${name}: is required`] });
    return undefined;
  }
  if (value.length > 256) throw new EddyError('EDDY_INVALID_QUERY', { details: [`/${name}: must be at most 256 characters`] });
  return value;
}
