/** The stall meter that time-bounded tests add as their measured margin (test/support/stall-meter.ts). */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { startStallMeter } from './../support/stall-meter.ts';

describe('the stall meter', () => {
  it('counts the time the event loop was blocked, and next to nothing while it was free', async () => {
    const idle = startStallMeter();
    await sleep(300);
    expect(idle.stop()).toBeLessThan(150);

    const blocked = startStallMeter();
    await sleep(30);
    const until = performance.now() + 400;
    while (performance.now() < until) {
      // the loop is kept busy, as a starved or blocked process is
    }
    await sleep(30);
    expect(blocked.stop()).toBeGreaterThanOrEqual(300);
  });
});
