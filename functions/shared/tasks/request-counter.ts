/**
 * Counts the requests an SDK client sends, by command name, so a task's cost estimate includes the
 * S3 (or other) requests its work made, not a guess. One counter per client, read per task.
 */
export class RequestCounter {
  private counts = new Map<string, number>();

  /** Adds the counting middleware to a client (once per client). */
  attach(client: { middlewareStack: { add: (middleware: never, options: { step: 'initialize'; name: string }) => void } }): void {
    const middleware = (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
      const name = context.commandName ?? 'Unknown';
      this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
      return next(args);
    };
    client.middlewareStack.add(middleware as never, { step: 'initialize', name: 'mediaKitRequestCounter' });
  }

  /** The counts since the last take, and a fresh start. */
  take(): ReadonlyMap<string, number> {
    const counts = this.counts;
    this.counts = new Map();
    return counts;
  }
}

/** S3's price classes: PUT/COPY/POST/LIST vs GET and the rest; DELETE is free. */
export function s3RequestClasses(counts: ReadonlyMap<string, number>): { s3Puts: number; s3Gets: number } {
  let s3Puts = 0;
  let s3Gets = 0;
  for (const [command, n] of counts) {
    if (/^(Put|Copy|Create|Upload|CompleteMultipart|List)/.test(command.replace(/Command$/, ''))) s3Puts += n;
    else if (!/^Delete/.test(command.replace(/Command$/, ''))) s3Gets += n;
  }
  return { s3Puts, s3Gets };
}
