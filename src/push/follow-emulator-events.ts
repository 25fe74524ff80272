/**
 * Follows the Connect emulator's agent event feed (`GET /_emulator/events`, server-sent events)
 * and forwards each record to the dispatcher of its instance through the forwarder's coalescing
 * window (records that arrive within `coalesceMs` of each other share one signal). Reconnects after
 * a dropped feed; events sent while disconnected are covered by the dispatcher's regular poll.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createParser } from 'eventsource-parser';
import {
  AgentEventForwarder,
  type AgentEventStreamRecord,
  type ForwardOutcome,
} from './agent-event-forwarder';

export interface FollowEmulatorEventsOptions {
  /** The emulator's endpoint, e.g. `http://127.0.0.1:8787`. */
  endpoint: string;
  /** Its `coalesceMs` sets how long a record waits for others to share its signal. */
  forwarder: AgentEventForwarder;
  reconnectDelayMs?: number;
  /** A dropped feed, or a signal that failed (for each record it carried). */
  onError?: (error: unknown) => void;
}

export interface EmulatorEventFollower {
  /** Resolves once the feed is connected (the first time). */
  connected: Promise<void>;
  /** Records by outcome, each counted once its signal went out (or found no dispatcher). */
  counts(): Record<ForwardOutcome, number>;
  /** Records received whose signal has not gone out (or failed) yet. */
  pending(): number;
  /** Stops following, sends the forwarder's open windows at once, and waits for every record's signal. */
  stop(): Promise<void>;
}

export function followEmulatorEvents(options: FollowEmulatorEventsOptions): EmulatorEventFollower {
  const abort = new AbortController();
  const counts: Record<ForwardOutcome, number> = { signalled: 0, ignored: 0, 'no-dispatcher': 0 };
  const onError = options.onError ?? ((error) => console.error('agent event feed:', error));
  let markConnected: () => void = () => undefined;
  const connected = new Promise<void>((resolve) => (markConnected = resolve));
  // Records go to the forwarder as they arrive (awaiting each would give each a window of its own); it
  // sends one instance's signals one at a time, in feed order, so a later state never overtakes an earlier one.
  const forwarding = new Set<Promise<void>>();

  const parser = createParser({
    onEvent(message) {
      const record = JSON.parse(message.data) as AgentEventStreamRecord;
      const forwarded = options.forwarder
        .forward(record)
        .then((outcome) => void (counts[outcome] += 1), onError)
        .finally(() => forwarding.delete(forwarded));
      forwarding.add(forwarded);
    },
  });

  async function readFeed(): Promise<void> {
    const response = await fetch(new URL('/_emulator/events', options.endpoint), {
      headers: { accept: 'text/event-stream' },
      signal: abort.signal,
    });
    if (!response.ok || !response.body) throw new Error(`event feed answered HTTP ${response.status}`);
    markConnected();
    const decoder = new TextDecoder();
    for await (const chunk of response.body) parser.feed(decoder.decode(chunk, { stream: true }));
  }

  const following = (async () => {
    while (!abort.signal.aborted) {
      try {
        await readFeed();
      } catch (error) {
        if (abort.signal.aborted) break;
        onError(error);
      }
      parser.reset();
      await sleep(options.reconnectDelayMs ?? 1_000, undefined, { signal: abort.signal }).catch(
        () => undefined,
      );
    }
  })();

  return {
    connected,
    counts: () => ({ ...counts }),
    pending: () => forwarding.size,
    async stop() {
      abort.abort();
      await following;
      await options.forwarder.flush();
      await Promise.all(forwarding);
    },
  };
}
