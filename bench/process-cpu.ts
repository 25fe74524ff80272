/**
 * CPU time spent by each process of a benchmark run: the worker (its own `process.cpuUsage()`, asked
 * over IPC), the Temporal dev server (from /proc, found by its port) and this process (the emulator
 * and the benchmark client). Divided by the work done it gives CPU per item, and with the machine's
 * cores the most items per second the machine could carry: what names the bottleneck on a small box.
 * Linux only for the dev server (elsewhere its share is reported as unknown).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { WorkerProcess } from '../src/dev/worker-process';

/** Linux reports process CPU in clock ticks of USER_HZ, 100 on every architecture Node supports. */
const TICKS_PER_SECOND = 100;

/** User + system CPU seconds of a process so far, from /proc/<pid>/stat; undefined if unreadable. */
function procCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After "pid (comm) ": state is field 3, utime 14 and stime 15 (1-based, as proc(5) numbers them).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** The pid of the `temporal server start-dev` listening on `address`'s port, if this machine shows it. */
function devServerPid(address: string): number | undefined {
  const port = address.slice(address.lastIndexOf(':') + 1);
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      const portAt = args.indexOf('--port');
      if (args.includes('start-dev') && portAt >= 0 && args[portAt + 1] === port) return Number(pid);
    } catch {
      // The process ended meanwhile, or is not ours to read.
    }
  }
  return undefined;
}

export interface CpuShares {
  wallSeconds: number;
  workerSeconds: number;
  /** Undefined where the dev server's process could not be read. */
  serverSeconds?: number;
  /** This process: the Connect emulator and the benchmark's own client. */
  benchSeconds: number;
  cores: number;
}

const cpuUsageSeconds = ({ user, system }: NodeJS.CpuUsage) => (user + system) / 1e6;

/** Starts counting now; `stop()` gives each process's CPU seconds since. */
export async function startCpuMeter(
  worker: WorkerProcess,
  serverAddress: string,
): Promise<{ stop(): Promise<CpuShares> }> {
  const serverPid = devServerPid(serverAddress);
  const serverAtStart = serverPid === undefined ? undefined : procCpuSeconds(serverPid);
  const workerAtStart = cpuUsageSeconds((await worker.stats()).cpu);
  const benchAtStart = process.cpuUsage();
  const startedAt = Date.now();
  return {
    async stop() {
      const workerNow = cpuUsageSeconds((await worker.stats()).cpu);
      const serverNow = serverPid === undefined ? undefined : procCpuSeconds(serverPid);
      return {
        wallSeconds: (Date.now() - startedAt) / 1000,
        workerSeconds: workerNow - workerAtStart,
        ...(serverNow === undefined || serverAtStart === undefined
          ? {}
          : { serverSeconds: serverNow - serverAtStart }),
        benchSeconds: cpuUsageSeconds(process.cpuUsage(benchAtStart)),
        cores: availableParallelism(),
      };
    },
  };
}
