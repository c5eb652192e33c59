import { z } from 'zod';

const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;

function typeFix(expected: string, input: unknown): string {
  if (input === undefined) return `missing: add it (${expected === 'int' ? 'a whole number' : `a ${expected}`})`;
  if (expected === 'int') return `${JSON.stringify(input)} is not a whole number: write e.g. ${Math.max(1, Math.round(Number(input) || 1))}`;
  return `${JSON.stringify(input)} is not a ${expected}: write a ${expected} here`;
}

function sizeFix(issue: z.core.$ZodRawIssue & { origin?: string }, bound: number, below: boolean, inclusive: boolean): string {
  const relation = below ? (inclusive ? 'at least' : 'above') : inclusive ? 'at most' : 'below';
  if (issue.origin === 'array' || issue.origin === 'set') return `needs ${relation} ${plural(bound, 'entry', 'entries')}`;
  if (issue.origin === 'string') return bound === 1 && below ? 'must not be empty' : `needs ${relation} ${plural(bound, 'character', 'characters')}`;
  return `${JSON.stringify(issue.input)} is out of range: write a number ${relation} ${bound}`;
}

function knownKeys(schema: unknown): string {
  return schema instanceof z.ZodObject ? `; allowed here: ${Object.keys(schema.shape).join(', ')}` : '';
}

/**
 * Messages for zod's own checks that say what to write instead, not only what is wrong. Messages a
 * schema sets itself take precedence (zod asks a parse's error map only for the others).
 */
export const fieldErrorMap: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      return typeFix(issue.expected, issue.input);
    case 'too_small':
      return sizeFix(issue, Number(issue.minimum), true, issue.inclusive ?? true);
    case 'too_big':
      return sizeFix(issue, Number(issue.maximum), false, issue.inclusive ?? true);
    case 'invalid_value':
      return `${JSON.stringify(issue.input)} is not allowed: write one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`;
    case 'unrecognized_keys':
      return `unknown ${issue.keys.length === 1 ? 'field' : 'fields'} ${issue.keys.map((key) => `"${key}"`).join(', ')}: remove or respell ${issue.keys.length === 1 ? 'it' : 'them'}${knownKeys(issue.inst)}`;
    case 'invalid_format':
      return issue.format === 'url' ? `${JSON.stringify(issue.input)} is not a URL: write e.g. "https://updates.example.com/fw/2.0.0.bin"` : undefined;
    default:
      return undefined;
  }
};
