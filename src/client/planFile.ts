import { readFile } from 'node:fs/promises';
import type { PlanInput } from '../engine/model/plan';
import { parse as parseYaml } from 'yaml';
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


/** Reads a plan file for a tool that ships firmware (the demo, the benches): a flag plan is refused at `kind`. */
export async function readFirmwarePlanFile(file: string): Promise<PlanInput> {
  const plan = await readPlanFile(file);
  if (plan.kind === 'flag') {
    throw new InvalidInputError(`plan file ${file}`, [{ path: 'kind', message: '"flag": this tool rolls out firmware; give it a firmware plan, or start a flag plan with `rollout start`' }]);
  }
  return plan;
}
