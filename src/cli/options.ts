import { InvalidArgumentError } from 'commander';

/** A commander option parser that accepts integers in [min, max] and names the option otherwise. */
export function integerOption(name: string, min: number, max: number) {
  return (text: string): number => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}.`);
    }
    return value;
  };
}
