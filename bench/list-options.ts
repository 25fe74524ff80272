/** Commander parsers for comma-separated option values, shared by the benchmarks' command lines. */
import { InvalidArgumentError } from 'commander';

/** `a,b,c` → each item parsed by `parseItem`; at least one. */
export function listOf<T>(name: string, parseItem: (item: string) => T) {
  return (text: string): T[] => {
    const items = text
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0);
    if (items.length === 0) throw new InvalidArgumentError(`${name} needs at least one value.`);
    return items.map(parseItem);
  };
}

/** An item that must be one of `allowed`. */
export function oneOf<T extends string>(name: string, allowed: readonly T[]) {
  return (item: string): T => {
    if (!(allowed as readonly string[]).includes(item))
      throw new InvalidArgumentError(`${name}: "${item}" is not one of ${allowed.join(', ')}.`);
    return item as T;
  };
}
