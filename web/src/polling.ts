/**
 * Runs `load` now and then every `intervalMs` after the previous run finished (never two at once), until
 * the returned stop function is called. The signal passed to `load` aborts when stopped.
 */
export function startPolling(load: (signal: AbortSignal) => Promise<void>, intervalMs: number): () => void {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const tick = async () => {
    try {
      await load(controller.signal);
    } finally {
      if (!controller.signal.aborted) timer = setTimeout(tick, intervalMs);
    }
  };
  void tick();
  return () => {
    controller.abort();
    clearTimeout(timer);
  };
}
