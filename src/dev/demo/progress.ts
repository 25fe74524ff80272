/** The demo's live progress line: tasks assigned out of the total, and how many are in each routing stage. */
import { SingleBar } from 'cli-progress';

export interface StageCounts {
  creating: number;
  waiting: number;
  assigning: number;
}

export interface DemoProgress {
  start(total: number): void;
  update(finished: number, stages: StageCounts): void;
  stop(): void;
}

export function progressBar(stream: NodeJS.WriteStream = process.stderr): DemoProgress {
  const bar = new SingleBar({
    stream,
    format:
      'Routing [{bar}] {value}/{total} done | creating {creating} · waiting {waiting} · ' +
      'assigning {assigning} | {duration}s',
    barsize: 30,
    hideCursor: true,
    // Without a terminal (CI, a pipe), print a plain line every few seconds instead of redrawing.
    noTTYOutput: true,
    // Ctrl-C is the demo's to handle: it stops the worker, the emulator and the dev server first.
    gracefulExit: false,
    notTTYSchedule: 3_000,
  });
  return {
    start: (total) => bar.start(total, 0, { creating: 0, waiting: 0, assigning: 0 }),
    update: (finished, stages) => bar.update(finished, { ...stages }),
    stop: () => bar.stop(),
  };
}
