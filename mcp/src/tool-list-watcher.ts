export interface ToolListWatcherOptions {
  /** The names of the tools the session shows now. */
  listNames(): Promise<string[]>;
  /** Called when the names differ from the last ones seen. */
  onChange(): void | Promise<void>;
  /** Poll every this many ms; 0 = no polling (only `check()` calls). */
  pollMs: number;
  logger?: (message: string) => void;
}

export interface ToolListWatcher {
  /** Compares the list now (a plugin switch was seen); overlapping checks coalesce into one more. */
  check(): Promise<void>;
  close(): void;
}

/**
 * Notices tool-list changes (D31) by a fingerprint of the listed names: checked when told (a
 * plugin switch on the socket) and on a timer, so a missed event or a per-project switch is still
 * caught. The first successful listing is the baseline; a failed listing changes nothing.
 */
export async function watchToolList(options: ToolListWatcherOptions): Promise<ToolListWatcher> {
  const log = options.logger ?? (() => undefined);
  let fingerprint: string | null = null;
  // When the first listing failed the client likely got an error for its own: tell it once the API answers.
  let missedBaseline = false;
  let running: Promise<void> | null = null;
  let again = false;
  let closed = false;

  const compare = async () => {
    let names: string[];
    try {
      names = await options.listNames();
    } catch (error) {
      log(`tool list check failed: ${(error as Error)?.message ?? String(error)}`);
      if (fingerprint === null) missedBaseline = true;
      return;
    }
    if (closed) return;
    const next = [...names].sort().join('\n');
    const changed = fingerprint === null ? missedBaseline : fingerprint !== next;
    fingerprint = next;
    if (!changed) return;
    log('the tool list changed; notifying the client');
    try {
      await options.onChange();
    } catch (error) {
      log(`tool-list notification failed: ${(error as Error)?.message ?? String(error)}`);
    }
  };

  const check = async (): Promise<void> => {
    if (closed) return;
    if (running) {
      // A switch seen during a check may not be in the listing it is reading: look once more after.
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await compare();
      } while (again && !closed);
    })().finally(() => {
      running = null;
    });
    return running;
  };

  await check();
  const timer = options.pollMs > 0 ? setInterval(() => void check(), options.pollMs) : null;
  return {
    check,
    close() {
      closed = true;
      if (timer) clearInterval(timer);
    },
  };
}
