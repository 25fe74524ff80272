import { msToNumber } from '@temporalio/common/lib/time';
import { InvalidArgumentError } from 'commander';
import { type ConnectCallRates, resolveConnectCallRates } from '../shared/task-queues';
import { parseMetricsAddress } from '../worker/metrics';

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

/** Whole seconds, as a number (`90`) or a duration (`90s`, `15m`, `2h`, `1 day`). */
export function secondsOption(name: string) {
  return (text: string): number => {
    if (/^\d+$/.test(text.trim())) return Number(text);
    let ms = Number.NaN;
    try {
      ms = msToNumber(text as Parameters<typeof msToNumber>[0]);
    } catch {
      // Not a duration: said below.
    }
    if (!Number.isFinite(ms) || ms % 1000 !== 0) {
      throw new InvalidArgumentError(
        `${name} must be whole seconds, as a number (90) or a duration (90s, 15m, 2h, 1 day).`,
      );
    }
    return ms / 1000;
  };
}

/**
 * A commander parser for a repeatable `key=value` option (`--attribute claim=1234`), collected into
 * one record; `shape` and `example` make its error message (`--attribute must be key=value, e.g. ...`).
 */
export function keyValueOption(name: string, shape: string, example: string) {
  return (text: string, previous: Record<string, string> = {}): Record<string, string> => {
    const at = text.indexOf('=');
    if (at <= 0) throw new InvalidArgumentError(`${name} must be ${shape}, e.g. ${name} ${example}.`);
    return { ...previous, [text.slice(0, at)]: text.slice(at + 1) };
  };
}

/**
 * A commander option parser for Connect call rates, `create=20,associate=20`: lanes not named keep
 * Connect's documented defaults; an unknown lane or a bad rate is named.
 */
export function connectRatesOption(name: string) {
  return (text: string): ConnectCallRates => {
    const overrides: Record<string, number> = {};
    for (const pair of text.split(',').filter((item) => item.trim() !== '')) {
      const [lane, rate, extra] = pair.split('=').map((part) => part.trim());
      if (!lane || rate === undefined || rate === '' || extra !== undefined) {
        throw new InvalidArgumentError(`${name}: "${pair}" is not lane=rate (e.g. create=20,associate=20).`);
      }
      overrides[lane] = Number(rate);
    }
    try {
      return resolveConnectCallRates(overrides);
    } catch (error) {
      throw new InvalidArgumentError(`${name}: ${(error as Error).message}.`);
    }
  };
}

/** A commander option parser that accepts one of `choices` (case-insensitive), as written in `choices`. */
export function choiceOption<T extends string>(name: string, choices: readonly T[]) {
  return (text: string): T => {
    const choice = choices.find((item) => item.toLowerCase() === text.trim().toLowerCase());
    if (choice === undefined) {
      throw new InvalidArgumentError(`${name} must be one of ${choices.join(', ')}, got "${text}".`);
    }
    return choice;
  };
}

/** A commander option parser for a metrics endpoint address, `host:port`. */
export function metricsAddressOption(name: string) {
  return (text: string): string => {
    try {
      return parseMetricsAddress(text, name);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
  };
}
