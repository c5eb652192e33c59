import type { z } from 'zod';
import { fieldErrorMap } from './fieldErrors';

/** Bad input, reported with the path of every offending field so the operator knows what to fix. */
export class InvalidInputError extends Error {
  override readonly name = 'InvalidInputError';
  constructor(
    readonly subject: string,
    readonly issues: readonly { path: string; message: string }[],
  ) {
    super(`${subject} is invalid:\n${issues.map((issue) => `  - ${issue.path}: ${issue.message}`).join('\n')}`);
  }
}

export function fieldPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  return path.map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`)).join('');
}

/** Every issue as `field: message`, on one line: for failures raised inside workflows. */
export const issueLine = (error: z.ZodError): string => error.issues.map((issue) => `${fieldPath(issue.path)}: ${issue.message}`).join('; ');

export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, subject: string): z.infer<S> {
  const result = schema.safeParse(value, { error: fieldErrorMap });
  if (result.success) return result.data;
  throw new InvalidInputError(
    subject,
    result.error.issues.map((issue) => ({ path: fieldPath(issue.path), message: issue.message })),
  );
}

/**
 * For a rule across fields: run it only once every field passed its own checks. zod runs refinements
 * past recoverable issues, and a rule reading a value already refused would refuse it again, or
 * worse, compute with it ("Infinity events" from a maxConcurrent of 0).
 */
export const AFTER_FIELD_CHECKS: z.core.$ZodSuperRefineParams = { when: ({ issues }) => issues.length === 0 };
