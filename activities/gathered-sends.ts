/** How a GatheredSends spaces and sizes its messages. */
export interface GatheringLimits {
  /** At most one message per target this often. */
  intervalMs: number;
  /** At most this many items per message. */
  maxItems: number;
  /** At most about this many bytes of items (JSON) per message. */
  maxBytes: number;
}

interface Waiting<Item, Answer> {
  item: Item;
  bytes: number;
  resolve: (answer: Answer | undefined) => void;
  reject: (error: unknown) => void;
  /** Set once its caller has given up; `onGiveUp` tells the message carrying it, once one does. */
  gaveUp: boolean;
  onGiveUp?: () => void;
}

interface Gathering<Target, Item, Answer> {
  key: string;
  target: Target;
  waiting: Waiting<Item, Answer>[];
  sending: boolean;
  timer: NodeJS.Timeout | undefined;
  lastSentAt: number;
}

/**
 * Gathers the items this worker sends to one workflow into few messages: at most one per
 * `intervalMs` per target, the items that came meanwhile in the next; a lone item at a quiet time goes
 * at once. One message per item would reach a busy workflow as fast as items come, each a billed
 * action, events in its history and a workflow task of its own.
 *
 * Each caller's promise settles when the message that carries its item has been taken, with the
 * answer the message got for that item (the send's answers are in the order of its items), or fails
 * with it. A target is forgotten once it has been quiet for an interval.
 */
export class GatheredSends<Target, Item, Answer = void> {
  private readonly byKey = new Map<string, Gathering<Target, Item, Answer>>();

  constructor(
    /** `withdrawn` aborts once no caller waits for the answer any more. */
    private readonly send: (
      target: Target,
      items: Item[],
      withdrawn: AbortSignal,
    ) => Promise<readonly (Answer | undefined)[] | void>,
    private readonly keyOf: (target: Target) => string,
    private readonly limits: GatheringLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * `signal`: the caller gives up when it aborts (its activity was cancelled, e.g. by a worker shutting
   * down): its promise fails at once with the abort's reason, and its item is left out of the next
   * message; a message already on its way is withdrawn once every caller it carries has given up.
   */
  add(target: Target, item: Item, signal?: AbortSignal): Promise<Answer | undefined> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const gathering = this.gatheringOf(target);
    return new Promise<Answer | undefined>((resolve, reject) => {
      const giveUp = () => {
        waiting.gaveUp = true;
        const index = gathering.waiting.indexOf(waiting);
        if (index >= 0) gathering.waiting.splice(index, 1);
        waiting.onGiveUp?.();
        reject(signal!.reason);
      };
      const waiting: Waiting<Item, Answer> = {
        item,
        bytes: JSON.stringify(item).length,
        resolve: (answer) => {
          signal?.removeEventListener('abort', giveUp);
          resolve(answer);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', giveUp);
          reject(error);
        },
        gaveUp: false,
      };
      signal?.addEventListener('abort', giveUp, { once: true });
      gathering.waiting.push(waiting);
      this.schedule(gathering);
    });
  }

  private gatheringOf(target: Target): Gathering<Target, Item, Answer> {
    const key = this.keyOf(target);
    const gathering = this.byKey.get(key) ?? {
      key,
      target,
      waiting: [],
      sending: false,
      timer: undefined,
      lastSentAt: Number.NEGATIVE_INFINITY,
    };
    this.byKey.set(key, gathering);
    return gathering;
  }

  /** Sends the next message when the interval allows; with nothing waiting, forgets the target then. */
  private schedule(gathering: Gathering<Target, Item, Answer>): void {
    if (gathering.sending) return;
    if (gathering.timer !== undefined) {
      // The timer that would forget the target now sends: it keeps the process alive like any send.
      if (gathering.waiting.length > 0) gathering.timer.ref();
      return;
    }
    // Same-tick items share the message even when it may go at once.
    const delay = Math.max(0, gathering.lastSentAt + this.limits.intervalMs - this.now());
    gathering.timer = setTimeout(() => {
      gathering.timer = undefined;
      if (gathering.waiting.length > 0) void this.sendNext(gathering);
      else this.byKey.delete(gathering.key);
    }, delay);
    if (gathering.waiting.length === 0) gathering.timer.unref();
  }

  private async sendNext(gathering: Gathering<Target, Item, Answer>): Promise<void> {
    const batch = this.takeBatch(gathering);
    const withdrawn = new AbortController();
    for (const waiting of batch)
      waiting.onGiveUp = () => {
        if (batch.every(({ gaveUp }) => gaveUp)) withdrawn.abort();
      };
    gathering.sending = true;
    gathering.lastSentAt = this.now();
    try {
      const answers = await this.send(
        gathering.target,
        batch.map(({ item }) => item),
        withdrawn.signal,
      );
      batch.forEach(({ resolve }, index) => resolve(answers?.[index]));
    } catch (error) {
      for (const { reject } of batch) reject(error);
    } finally {
      gathering.sending = false;
      this.schedule(gathering);
    }
  }

  private takeBatch(gathering: Gathering<Target, Item, Answer>): Waiting<Item, Answer>[] {
    let count = 1;
    let bytes = gathering.waiting[0]!.bytes;
    while (count < gathering.waiting.length && count < this.limits.maxItems) {
      const next = gathering.waiting[count]!.bytes;
      if (bytes + next > this.limits.maxBytes) break;
      bytes += next;
      count += 1;
    }
    return gathering.waiting.splice(0, count);
  }
}
