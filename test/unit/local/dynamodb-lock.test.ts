import { describe, expect, it } from 'vitest';
import { ClientTokenCache } from '../../../lib/local/emulators/dynamodb-idempotency.ts';
import { ReadWriteLock } from '../../../lib/local/emulators/dynamodb-lock.ts';

/** A unit of work that records when it starts and ends, and ends when told to. */
function step(log: string[], name: string) {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return {
    work: async () => {
      log.push(`+${name}`);
      await done;
      log.push(`-${name}`);
    },
    finish: () => finish(),
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('ReadWriteLock', () => {
  it('runs readers together, a writer alone, and queues a reader behind a waiting writer', async () => {
    const lock = new ReadWriteLock();
    const log: string[] = [];
    const [r1, r2, w, r3] = [step(log, 'r1'), step(log, 'r2'), step(log, 'w'), step(log, 'r3')];
    const runs = [lock.run('shared', r1.work), lock.run('shared', r2.work), lock.run('exclusive', w.work), lock.run('shared', r3.work)];
    await tick();
    expect(log).toEqual(['+r1', '+r2']);
    r1.finish();
    await tick();
    expect(log).toEqual(['+r1', '+r2', '-r1']);
    r2.finish();
    await tick();
    expect(log).toEqual(['+r1', '+r2', '-r1', '-r2', '+w']);
    w.finish();
    await tick();
    expect(log.slice(-2)).toEqual(['-w', '+r3']);
    r3.finish();
    await Promise.all(runs);
  });

  it('releases the lock when the work fails', async () => {
    const lock = new ReadWriteLock();
    await expect(lock.run('exclusive', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(lock.run('exclusive', () => Promise.resolve('next'))).resolves.toBe('next');
  });
});

describe('ClientTokenCache', () => {
  const request = { TransactItems: [{ Put: { TableName: 't', Item: { pk: { S: 'a' } } } }], ClientRequestToken: 'tok' };

  it('replays within ten minutes, regardless of key order, and forgets after', () => {
    let now = 1_000_000;
    const cache = new ClientTokenCache(undefined, () => now);
    cache.remember('tok', request, { ok: 1 });
    expect(cache.replay('tok', { ClientRequestToken: 'tok', TransactItems: request.TransactItems })).toEqual({ ok: 1 });
    now += 10 * 60 * 1000;
    expect(cache.replay('tok', request)).toEqual({ ok: 1 });
    now += 1;
    expect(cache.replay('tok', request)).toBeUndefined();
  });

  it('refuses the same token with other parameters', () => {
    const cache = new ClientTokenCache();
    cache.remember('tok', request, {});
    expect(() => cache.replay('tok', { ...request, ReturnConsumedCapacity: 'TOTAL' })).toThrow(
      expect.objectContaining({ code: 'IdempotentParameterMismatchException' }),
    );
  });
});
