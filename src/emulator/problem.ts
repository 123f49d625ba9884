// An answer the API refuses with, and the body checks every write shares. Handlers throw
// ApiProblem; the HTTP layer turns it into a response in the configured error shape.

export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** A problem a gateway in front of the API answers: always its HTML page, whatever the error shape. */
export class GatewayProblem extends ApiProblem {}

export function asObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiProblem(422, 'VALIDATION_TYPE', 'Request body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

export function requireString(obj: Record<string, unknown>, field: string): string {
  const v = obj[field];
  if (v === undefined || v === null) throw new ApiProblem(422, 'VALIDATION_REQUIRED', `${field} is required`, field);
  if (typeof v !== 'string') throw new ApiProblem(422, 'VALIDATION_TYPE', `${field} must be a string`, field);
  return v;
}

export function requireName(obj: Record<string, unknown>, field: string, { max }: { max: number }): string {
  const v = requireString(obj, field);
  if (v.length < 1) throw new ApiProblem(422, 'VALIDATION_MIN_LENGTH', `${field} must be at least 1 character`, field);
  if (v.length > max) throw new ApiProblem(422, 'VALIDATION_MAX_LENGTH', `${field} must be at most ${max} characters`, field);
  return v;
}
