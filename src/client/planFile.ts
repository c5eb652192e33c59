import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import type { PlanInput } from '../engine/model/plan';
import { planSchemaFor, type AnyPlanInput } from '../engine/model/planKind';
import { InvalidInputError, parseOrThrow } from '../engine/model/validation';

/** Reads a plan file of either kind (YAML, or JSON, which is YAML too) and validates it; errors name the file and the field. */
export async function readPlanFile(file: string): Promise<AnyPlanInput> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new InvalidInputError(`plan file ${file}`, [{ path: '(file)', message: `cannot be read (${error.code ?? error.message})` }]);
  });
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new InvalidInputError(`plan file ${file}`, [{ path: '(syntax)', message: (error as Error).message.split('\n')[0] ?? 'not YAML or JSON' }]);
  }
  parseOrThrow(planSchemaFor(document), document, `plan file ${file}`);
  return document as AnyPlanInput;
}

/**
 * Reads a plan file for what runs or forecasts a rollout. Only firmware plans do yet: the workflows
 * send firmware updates, so a flag plan is refused here, before any workflow starts.
 */
export async function loadPlanFile(file: string): Promise<PlanInput> {
  const plan = await readPlanFile(file);
  if (plan.kind === 'flag') {
    throw new InvalidInputError(`plan file ${file}`, [
      { path: 'kind', message: '"flag": this version checks flag plans but cannot run or forecast them yet; switch a flag off fleet-wide with `rollout kill-switch`' },
    ]);
  }
  return plan;
}
