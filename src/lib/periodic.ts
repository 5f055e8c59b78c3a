/**
 * A job run every `intervalMs` (the daily report senders): the next run is armed only after the
 * previous one finished, the timer never keeps the process alive, and stop() waits for a run in
 * progress. An interval of 0 (or less) never runs.
 */
export function every(intervalMs: number, run: () => Promise<unknown>, onError: (e: unknown) => void): { stop(): Promise<void> } {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const arm = () => {
    if (stopped || intervalMs <= 0) return;
    timer = setTimeout(() => {
      running = run().catch(onError).finally(arm);
    }, Math.min(intervalMs, 2 ** 31 - 1));
    timer.unref();
  };
  arm();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
