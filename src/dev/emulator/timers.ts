/**
 * The emulator's pending timers (handle times, expiries, scheduled tasks, scenario steps), kept in
 * one place so that stopping the emulator cancels them all.
 */

/** setTimeout's longest delay; longer ones (a 90-day expiry) are re-armed in steps. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export type TimerId = number;

export class Timers {
  private readonly pending = new Map<TimerId, NodeJS.Timeout>();
  private nextId = 1;

  after(delayMs: number, callback: () => void): TimerId {
    const id = this.nextId++;
    this.arm(id, Date.now() + Math.max(0, delayMs), callback);
    return id;
  }

  cancel(id: TimerId | undefined): void {
    if (id === undefined) return;
    clearTimeout(this.pending.get(id));
    this.pending.delete(id);
  }

  cancelAll(): void {
    for (const timeout of this.pending.values()) clearTimeout(timeout);
    this.pending.clear();
  }

  private arm(id: TimerId, dueAt: number, callback: () => void): void {
    const remaining = dueAt - Date.now();
    const timeout = setTimeout(
      () => {
        if (remaining > MAX_TIMEOUT_MS) return this.arm(id, dueAt, callback);
        this.pending.delete(id);
        callback();
      },
      Math.min(Math.max(0, remaining), MAX_TIMEOUT_MS),
    );
    this.pending.set(id, timeout);
  }
}
