import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { Semaphore } from '../../../lib/local/lambda/concurrency.ts';
import { FunctionHost } from '../../../lib/local/lambda/function-host.ts';
import type { FunctionSpec } from '../../../lib/local/lambda/function-spec.ts';
import { lambdaEnvironment } from '../../../lib/local/lambda/lambda-environment.ts';
import { removeTempDirs, tempDir } from './fixtures/tiny-assembly.ts';
import { PROJECT_ROOT } from '../../../lib/pipelines/paths.ts';

const hosts: FunctionHost[] = [];

/** A function whose bundle is `source` (CommonJS), in a temp folder that resolves the project's packages. */
function host(source: string, overrides: Partial<FunctionSpec> = {}, account = new Semaphore(8), packages: readonly string[] = []): FunctionHost {
  const dir = tempDir('fn-');
  writeFileSync(join(dir, 'index.js'), source);
  // Packages the asset ships itself (as bundles ship native ones), linked to the project's copy.
  for (const name of packages) {
    mkdirSync(join(dir, 'node_modules'), { recursive: true });
    symlinkSync(join(PROJECT_ROOT, 'node_modules', name), join(dir, 'node_modules', name), 'dir');
  }
  const spec: FunctionSpec = {
    stackName: 'S',
    logicalId: 'Fn',
    name: 'S-Fn',
    arn: 'arn:aws:lambda:us-east-1:000000000000:function:S-Fn',
    runtime: 'nodejs24.x',
    codeDirectory: dir,
    handlerModule: 'index',
    handlerExport: 'handler',
    handler: 'index.handler',
    timeoutSeconds: 2,
    memoryMb: 256,
    environment: { GREETING: 'hello' },
    ...overrides,
  };
  const created = new FunctionHost(spec, lambdaEnvironment(spec, { region: 'us-east-1', endpoint: 'http://127.0.0.1:9' }), account);
  hosts.push(created);
  return created;
}

afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.stop()));
});
afterAll(removeTempDirs);

describe('FunctionHost', () => {
  it('runs a CommonJS bundle with its own environment, a Lambda context and captured logs', async () => {
    process.env.HOST_ONLY_SECRET = 'must-not-leak';
    const fn = host(`
      exports.handler = async (event, context) => {
        console.log(JSON.stringify({ level: 'INFO', message: 'hi', requestId: context.awsRequestId }));
        return {
          event, greeting: process.env.GREETING, secret: process.env.HOST_ONLY_SECRET ?? null,
          endpoint: process.env.AWS_ENDPOINT_URL, pathStyle: process.env.AWS_S3_FORCE_PATH_STYLE,
          name: process.env.AWS_LAMBDA_FUNCTION_NAME, memory: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
          context: { functionName: context.functionName, memoryLimitInMB: context.memoryLimitInMB, arn: context.invokedFunctionArn,
                     remaining: context.getRemainingTimeInMillis() },
        };
      };`);
    const result = await fn.invoke({ n: 1 }, 'req-1');
    delete process.env.HOST_ONLY_SECRET;
    expect(result.ok).toBe(true);
    expect(result.value).toMatchObject({
      event: { n: 1 },
      greeting: 'hello',
      secret: null,
      endpoint: 'http://127.0.0.1:9',
      pathStyle: 'true',
      name: 'S-Fn',
      memory: '256',
      context: { functionName: 'S-Fn', memoryLimitInMB: '256', arn: 'arn:aws:lambda:us-east-1:000000000000:function:S-Fn' },
    });
    // The deadline is the 2 s timeout from the start of the call; a loaded machine may eat into it.
    const remaining = (result.value as { context: { remaining: number } }).context.remaining;
    expect(remaining).toBeGreaterThan(0);
    expect(remaining).toBeLessThanOrEqual(2000);
    expect(result.logs).toEqual([{ stream: 'stdout', text: JSON.stringify({ level: 'INFO', message: 'hi', requestId: 'req-1' }) }]);
    expect(result.coldStart).toBe(true);
    expect(result.initDurationMs).toBeGreaterThan(0);
    expect(result.billedDurationMs).toBeGreaterThanOrEqual(Math.ceil(result.durationMs));
    expect(result.peakMemoryMb).toBeGreaterThan(0);
  });

  it('reuses a warm instance and keeps module state in it, like Lambda', async () => {
    const fn = host(`let calls = 0; exports.handler = async () => ++calls;`);
    const first = await fn.invoke({});
    const second = await fn.invoke({});
    expect([first.value, second.value]).toEqual([1, 2]);
    expect([first.coldStart, second.coldStart]).toEqual([true, false]);
    expect(fn.instanceCount).toBe(1);
  });

  it('stops a timed-out invocation for real: nothing it scheduled runs afterwards, and the next call is cold', async () => {
    const marker = join(tempDir('marker-'), 'late-side-effect');
    const fn = host(
      `const fs = require('node:fs');
       let calls = 0;
       exports.handler = async (event) => {
         calls++;
         if (event.slow) { await new Promise((r) => setTimeout(r, 2000)); fs.writeFileSync(${JSON.stringify(marker)}, 'ran'); }
         return calls;
       };`,
      { timeoutSeconds: 1 },
    );
    const slow = await fn.invoke({ slow: true });
    expect(slow.ok).toBe(false);
    expect(slow.timedOut).toBe(true);
    expect(slow.error?.errorMessage).toBe('Task timed out after 1.00 seconds');
    expect(slow.durationMs).toBeGreaterThanOrEqual(990);
    // Ended by the timeout, not by the handler finishing its 2 s wait (generous for a loaded CI).
    expect(slow.durationMs).toBeLessThan(10_000);
    // The handler would have written its marker 2 s after it started: wait 2 s more than that.
    await new Promise((r) => setTimeout(r, 4000));
    expect(existsSync(marker)).toBe(false);
    const next = await fn.invoke({});
    expect(next).toMatchObject({ ok: true, value: 1, coldStart: true });
  });

  it('reports handler errors, init errors and crashes the way Lambda does', async () => {
    const throwing = host(`exports.handler = async () => { throw new TypeError('bad thing'); };`);
    const thrown = await throwing.invoke({});
    expect(thrown).toMatchObject({ ok: false, timedOut: false, error: { errorType: 'TypeError', errorMessage: 'bad thing' } });

    const brokenInit = host(`throw new Error('cannot load config');`);
    const init = await brokenInit.invoke({});
    expect(init).toMatchObject({ ok: false, error: { errorMessage: 'cannot load config' } });

    const missing = host(`exports.other = () => 1;`);
    expect(await missing.invoke({})).toMatchObject({ ok: false, error: { errorType: 'Runtime.HandlerNotFound' } });

    const crashing = host(`exports.handler = async () => { process.exit(7); };`);
    const crash = await crashing.invoke({});
    expect(crash).toMatchObject({ ok: false, error: { errorType: 'Runtime.ExitError' } });
    expect(crashing.instanceCount).toBe(0);
  });

  it('never runs more instances than the reserved concurrency', async () => {
    const fn = host(
      `exports.handler = async () => { await new Promise((r) => setTimeout(r, 150)); return Date.now(); };`,
      { reservedConcurrency: 2 },
    );
    const results = await Promise.all(Array.from({ length: 6 }, () => fn.invoke({})));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(fn.instanceCount).toBe(2);
    // Never more than two calls overlap: at any call's start, at most one other is running.
    for (const call of results) {
      const overlapping = results.filter((other) => other !== call && other.startedAt <= call.startedAt && other.endedAt > call.startedAt);
      expect(overlapping.length).toBeLessThanOrEqual(1);
    }
  });

  it('stop() with invocations waiting for a slot: they fail as stopping, and no execution environment outlives it', async () => {
    const account = new Semaphore(1);
    const fn = host(`exports.handler = async () => { await new Promise((r) => setTimeout(r, 30000)); return 'late'; };`, { timeoutSeconds: 60 }, account);
    const other = host(`exports.handler = async () => 'other';`, {}, account);
    const calls = [fn.invoke({}), fn.invoke({}), other.invoke({})];
    await vi.waitFor(() => expect(fn.instanceCount).toBe(1));
    await Promise.all([fn.stop(), other.stop()]);
    const results = await Promise.all(calls);
    // The running call was cut short; the two waiting for the freed slot never started a worker.
    expect(results[0]).toMatchObject({ ok: false, error: { errorType: 'Runtime.ExitError' } });
    expect(results.slice(1).map((r) => r.error?.errorType)).toEqual(['Runtime.Stopping', 'Runtime.Stopping']);
    expect(fn.instanceCount).toBe(0);
    expect(other.instanceCount).toBe(0);
    // A call after stop() is refused at once.
    expect(await fn.invoke({})).toMatchObject({ ok: false, error: { errorType: 'Runtime.Stopping' } });
    expect(fn.instanceCount).toBe(0);
  });

  it('survives a timeout that terminates a worker in the middle of a large sharp operation', async () => {
    const fn = host(
      `const sharp = require('sharp');
       exports.handler = async () => {
         const size = 4096;
         const image = sharp({ create: { width: size, height: size, channels: 3, background: { r: 200, g: 40, b: 90 } } }).png();
         const big = await image.toBuffer();
         for (;;) await sharp(big).resize(size * 2, size * 2).blur(3).jpeg({ quality: 95 }).toBuffer();
       };`,
      { timeoutSeconds: 1, memoryMb: 1024 },
      undefined,
      ['sharp'],
    );
    const first = await fn.invoke({});
    expect(first).toMatchObject({ ok: false, timedOut: true, error: { errorType: 'Sandbox.Timedout' } });
    // The asset's sharp was loaded once in this thread too, so its libraries outlive any worker.
    expect(Object.keys(createRequire(import.meta.url).cache).some((path) => /[\\/]node_modules[\\/]sharp[\\/]/.test(path))).toBe(true);
    const second = await fn.invoke({});
    expect(second).toMatchObject({ ok: false, timedOut: true });
    // This process is still alive and can run sharp work in a fresh worker.
    const quick = host(`const sharp = require('sharp'); exports.handler = async () => (await sharp({ create: { width: 8, height: 8, channels: 3, background: '#fff' } }).png().toBuffer()).length;`);
    const ok = await quick.invoke({});
    expect(ok.ok).toBe(true);
    expect(ok.value).toBeGreaterThan(0);
  }, 30_000);

  it('throttles a function whose reserved concurrency is 0', async () => {
    const fn = host(`exports.handler = async () => 1;`, { reservedConcurrency: 0 });
    expect(await fn.invoke({})).toMatchObject({ ok: false, error: { errorType: 'TooManyRequestsException' } });
  });
});
