import { seededRandom } from '../../src/engine/model/seededRandom';

export type Random = () => number;

/**
 * An independent random stream per (seed, purpose…), e.g. `stream(7, 'gw-00012', 'disconnect')`.
 * Each device draws from its own streams, so what happens to one device does not depend on how
 * many draws the others made: the same seed gives every device the same luck in every strategy.
 */
export function stream(seed: number, ...purpose: (string | number)[]): Random {
  return seededRandom(fnv1a(`${seed}:${purpose.join(':')}`));
}

export const uniform = (random: Random, min: number, max: number): number => min + random() * (max - min);

/** A unit exponential: the hazard budget an event needs before it happens. */
export const exponential = (random: Random): number => -Math.log(1 - random());

/** Events of a Poisson process with `mean` events in all: unit exponentials spent until the mean runs out. */
export function poisson(random: Random, mean: number): number {
  let events = 0;
  for (let spent = exponential(random); spent <= mean; spent += exponential(random)) events += 1;
  return events;
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
