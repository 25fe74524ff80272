import { SeededRandom } from '../../src/dev/emulator/random';

/**
 * The random choices of a soak test (when to kill a worker, which agent goes Offline): a new seed
 * each run, so that runs cover different moments, printed so that a failing run can be repeated
 * with `SOAK_SEED=<seed>`.
 */
export function soakRandom(purpose: string): SeededRandom {
  const fromEnvironment = process.env.SOAK_SEED;
  const seed =
    fromEnvironment === undefined || fromEnvironment === ''
      ? Math.floor(Math.random() * 2 ** 31)
      : Number(fromEnvironment);
  if (!Number.isSafeInteger(seed)) throw new Error(`SOAK_SEED must be an integer (got ${fromEnvironment})`);
  console.log(`      ${purpose}: seed ${seed} (repeat with SOAK_SEED=${seed})`);
  return SeededRandom.stream(seed, purpose);
}
