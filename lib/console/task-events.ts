import type { ServerResponse } from 'node:http';
import type { TaskRecord } from '../../functions/shared/tasks/task-record.ts';
import { SECURITY_HEADERS } from './http-io.ts';

export interface TaskFeedOptions {
  /** One page of the newest tasks. */
  readonly listNewest: () => Promise<readonly TaskRecord[]>;
  readonly intervalMs: number;
  readonly onError: (error: Error) => void;
}

/**
 * Live updates as server-sent events: while at least one page listens, the task API is polled
 * every `intervalMs` and the tasks whose `updatedAt` moved are pushed (`event: tasks`). Polling
 * stops when the last page goes, so an idle console costs the task API nothing.
 */
export class TaskFeed {
  private readonly clients = new Set<ServerResponse>();
  private readonly seen = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(private readonly options: TaskFeedOptions) {}

  attach(response: ServerResponse): void {
    response.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive' });
    // The first poll after a page joins sends it everything current.
    response.write(`retry: 2000\n\n`);
    this.clients.add(response);
    this.seen.clear();
    response.on('close', () => {
      this.clients.delete(response);
      if (this.clients.size === 0) this.halt();
    });
    this.timer ??= setInterval(() => void this.poll(), this.options.intervalMs);
    void this.poll();
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const tasks = await this.options.listNewest();
      const changed = tasks.filter((t) => this.seen.get(t.taskId) !== t.updatedAt);
      for (const t of changed) this.seen.set(t.taskId, t.updatedAt);
      if (changed.length > 0) this.broadcast('tasks', changed);
    } catch (error) {
      this.broadcast('problem', { message: (error as Error).message });
      this.options.onError(error as Error);
    } finally {
      this.polling = false;
    }
  }

  private broadcast(event: string, data: unknown): void {
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const client of this.clients) client.write(frame);
  }

  private halt(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  close(): void {
    this.halt();
    for (const client of this.clients) client.end();
    this.clients.clear();
  }
}
