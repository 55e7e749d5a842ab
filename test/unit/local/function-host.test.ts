import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Semaphore } from '../../../lib/local/lambda/concurrency.ts';
import { FunctionHost } from '../../../lib/local/lambda/function-host.ts';
import type { FunctionSpec } from '../../../lib/local/lambda/function-spec.ts';
import { lambdaEnvironment } from '../../../lib/local/lambda/lambda-environment.ts';
import { removeTempDirs, tempDir } from './fixtures/tiny-assembly.ts';

const hosts: FunctionHost[] = [];

/** A function whose bundle is `source`, placed inside the repo where package.json says "type": "module". */
function host(source: string, overrides: Partial<FunctionSpec> = {}, account = new Semaphore(8)): FunctionHost {
  const dir = tempDir('fn-');
  writeFileSync(join(dir, 'index.js'), source);
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
    const remaining = (result.value as { context: { remaining: number } }).context.remaining;
    expect(remaining).toBeGreaterThan(1500);
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
    expect(slow.durationMs).toBeLessThan(1900);
    // Well past the moment the handler would have written its marker, had it kept running.
    await new Promise((r) => setTimeout(r, 2200 - slow.durationMs));
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
    const started = Date.now();
    const results = await Promise.all(Array.from({ length: 6 }, () => fn.invoke({})));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(fn.instanceCount).toBe(2);
    // Six 150 ms calls two at a time take three rounds.
    expect(Date.now() - started).toBeGreaterThanOrEqual(440);
  });

  it('throttles a function whose reserved concurrency is 0', async () => {
    const fn = host(`exports.handler = async () => 1;`, { reservedConcurrency: 0 });
    expect(await fn.invoke({})).toMatchObject({ ok: false, error: { errorType: 'TooManyRequestsException' } });
  });
});
