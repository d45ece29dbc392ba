import type { Logger } from './logger';

/** Something started at boot that must be stopped, in reverse order, on shutdown. */
export interface Stoppable {
  name: string;
  stop(): Promise<void>;
}

/**
 * Stops every registered part in reverse start order on SIGTERM/SIGINT (or when asked),
 * each one given a deadline so a stuck part cannot keep the process alive.
 */
export class Lifecycle {
  private readonly parts: Stoppable[] = [];
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly deadlineMs = 10_000,
  ) {}

  add(part: Stoppable): void {
    this.parts.push(part);
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const part of [...this.parts].reverse()) {
        const started = Date.now();
        try {
          await withDeadline(part.stop(), this.deadlineMs, part.name);
          this.logger.info({ part: part.name, ms: Date.now() - started }, 'stopped');
        } catch (error) {
          this.logger.error({ part: part.name, err: error }, 'failed to stop cleanly');
        }
      }
    })();
    return this.stopping;
  }

  /** Stops on the first SIGTERM or SIGINT, then exits with `code`. */
  exitOnSignals(): void {
    const onSignal = (signal: NodeJS.Signals) => {
      this.logger.info({ signal }, 'shutting down');
      void this.stop().then(() => process.exit(0));
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  }
}

function withDeadline(work: Promise<void>, ms: number, name: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${name} did not stop within ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
