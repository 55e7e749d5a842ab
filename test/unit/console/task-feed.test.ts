import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { TaskRecord } from '../../../functions/shared/tasks/task-record.ts';
import { TaskFeed } from '../../../lib/console/task-events.ts';
import { taskRecord } from './task-record.ts';

const record = (taskId: string, updatedAt: number, state: TaskRecord['state'] = 'running'): TaskRecord => taskRecord({ taskId, updatedAt, state, createdAt: 0, input: { bucket: 'b', key: `uploads/${taskId}` } });

/** Server-sent events of a feed, read as a browser's EventSource would. */
function listen(port: number): { events: Array<{ event: string; data: unknown }>; close(): void } {
  const events: Array<{ event: string; data: unknown }> = [];
  let buffer = '';
  const request = get({ host: '127.0.0.1', port, path: '/' }, (response) => {
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      buffer += chunk;
      let end;
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = frame.match(/^event: (.*)$/m)?.[1];
        const data = frame.match(/^data: (.*)$/m)?.[1];
        if (event && data) events.push({ event, data: JSON.parse(data) });
      }
    });
  });
  request.on('error', () => undefined);
  return { events, close: () => request.destroy() };
}

describe('live task feed', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server?.closeAllConnections();
  });

  it('pushes every task first, then only those whose updatedAt moved, and stops polling when the last page leaves', async () => {
    let tasks = [record('A', 1), record('B', 1)];
    let polls = 0;
    const feed = new TaskFeed({
      listNewest: async () => {
        polls += 1;
        return tasks;
      },
      intervalMs: 20,
      onError: () => undefined,
    });
    server = createServer((_request, response) => feed.attach(response));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const page = listen((server.address() as AddressInfo).port);
    await expect.poll(() => page.events.length).toBe(1);
    expect((page.events[0]!.data as TaskRecord[]).map((t) => t.taskId)).toEqual(['A', 'B']);
    tasks = [record('A', 2, 'succeeded'), record('B', 1)];
    await expect.poll(() => page.events.length).toBe(2);
    expect(page.events[1]).toMatchObject({ event: 'tasks', data: [{ taskId: 'A', state: 'succeeded' }] });
    await new Promise((r) => setTimeout(r, 100));
    expect(page.events).toHaveLength(2);
    page.close();
    await new Promise((r) => setTimeout(r, 60));
    const after = polls;
    await new Promise((r) => setTimeout(r, 100));
    expect(polls).toBe(after);
    feed.close();
  });

  it('tells the page when the task API fails, and reports the error', async () => {
    const errors: Error[] = [];
    const feed = new TaskFeed({ listNewest: () => Promise.reject(new Error('task API down')), intervalMs: 1000, onError: (e) => errors.push(e) });
    server = createServer((_request, response) => feed.attach(response));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const page = listen((server.address() as AddressInfo).port);
    await expect.poll(() => page.events.length).toBe(1);
    expect(page.events[0]).toEqual({ event: 'problem', data: { message: 'task API down' } });
    expect(errors.map((e) => e.message)).toEqual(['task API down']);
    page.close();
    feed.close();
  });
});
