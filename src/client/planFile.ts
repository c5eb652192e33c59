import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { Plan, type PlanInput } from '../engine/model/plan';
import { InvalidInputError, parseOrThrow } from '../engine/model/validation';

/** Reads a plan file (YAML, or JSON, which is YAML too) and validates it; errors name the file and the field. */
export async function loadPlanFile(file: string): Promise<PlanInput> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new InvalidInputError(`plan file ${file}`, [{ path: '(file)', message: `cannot be read (${error.code ?? error.message})` }]);
  });
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new InvalidInputError(`plan file ${file}`, [{ path: '(syntax)', message: (error as Error).message.split('\n')[0] ?? 'not YAML or JSON' }]);
  }
  parseOrThrow(Plan, document, `plan file ${file}`);
  return document as PlanInput;
}
