/**
 * How long this process was kept from running, measured: a timer ticks every `tickMs`, and every
 * millisecond it fires late beyond one tick is time the event loop (and so every timer the code
 * under test relies on for its own bounds) was starved, by other processes on a busy machine or by
 * blocking work in this one. Time bounds in tests add it as their measured margin: on a quiet
 * machine it is close to 0 and the bound is the promise itself. Code under test that hangs waiting
 * (on a timer, a socket, the browser) does not starve the loop, so it still fails; a bound on code
 * that computes in this same process must not use it (its slowness would count as a stall).
 */
export interface StallMeter {
  /** Milliseconds of lateness so far. */
  readonly stalledMs: number;
  /** Stops the meter and returns the milliseconds of lateness. */
  stop(): number;
}

export function startStallMeter(tickMs = 20): StallMeter {
  let stalled = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    stalled += Math.max(0, now - last - 2 * tickMs);
    last = now;
  }, tickMs);
  return {
    get stalledMs() {
      return Math.round(stalled);
    },
    stop() {
      clearInterval(timer);
      // The lateness of the tick still pending counts too.
      stalled += Math.max(0, performance.now() - last - 2 * tickMs);
      return Math.round(stalled);
    },
  };
}
