import type { BookSettings } from '../../src/shared/routing/dispatcher-book';

/**
 * Book settings for unit tests: pacing out of the way (tests of pacing set their own rate), notices
 * at once; each test overrides what it is about.
 */
export function bookSettings(overrides: Partial<BookSettings> = {}): BookSettings {
  return {
    reservationTtlMs: 60_000,
    catchUpMs: 15_000,
    maxWaitNoticesPerRound: 3,
    waitNoticeAfterMs: 0,
    offersPerSecond: 1_000,
    offerBurst: 1_000,
    offerAnswerTimeoutMs: 20_000,
    offerVisibleWithinMs: 5_000,
    missedAgentSkipMs: 30_000,
    consecutiveMissesToHold: 2,
    statisticsWindowMs: 15 * 60_000,
    serviceLevelMs: 60_000,
    lineHeadPerClass: 500,
    carriedLineMaxBytes: 192 * 1024,
    lineSegmentMaxBytes: 256 * 1024,
    skillRefreshMs: 60_000,
    ...overrides,
  };
}
