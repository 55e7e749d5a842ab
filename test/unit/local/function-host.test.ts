import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { Semaphore } from '../../../lib/local/lambda/concurrency.ts';
import { FunctionHost } from '../../../lib/local/lambda/function-host.ts';
import type { FunctionSpec } from '../../../lib/local/lambda/function-spec.ts';
import { hostArchitecture } from '../../../lib/local/lambda/asset-architecture.ts';
import { checkArchitecture } from '../../../lib/local/lambda/function-spec.ts';
import { isRunning } from '../../../lib/local/lambda/process-tree.ts';
import { LocalErrorCode } from '../../../lib/local/errors.ts';
import { lambdaEnvironment } from '../../../lib/local/lambda/lambda-environment.ts';
import { removeTempDirs, tempDir } from './fixtures/tiny-assembly.ts';
import { PROJECT_ROOT } from '../../../lib/pipelines/paths.ts';

const hosts: FunctionHost[] = [];

/** A function whose bundle is `source` (CommonJS), in a temp folder that resolves the project's packages. */
function host(
  source: string,
  overrides: Partial<FunctionSpec> = {},
  account = new Semaphore(8),
  packages: readonly string[] = [],
  files: Record<string, string> = {},
): FunctionHost {
  const dir = tempDir('fn-');
  writeFileSync(join(dir, 'index.js'), source);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
    chmodSync(join(dir, name), 0o755);
  }
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
    architecture: hostArchitecture()!,
    ephemeralStorageMb: 512,
    layerDirectories: [],
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
    // The running call was cut short; the two waiting for the freed slot never started an environment.
    expect(results[0]).toMatchObject({ ok: false, error: { errorType: 'Runtime.ExitError' } });
    expect(results.slice(1).map((r) => r.error?.errorType)).toEqual(['Runtime.Stopping', 'Runtime.Stopping']);
    expect(fn.instanceCount).toBe(0);
    expect(other.instanceCount).toBe(0);
    // A call after stop() is refused at once.
    expect(await fn.invoke({})).toMatchObject({ ok: false, error: { errorType: 'Runtime.Stopping' } });
    expect(fn.instanceCount).toBe(0);
  });

  it('survives a timeout in the middle of a large sharp operation, and loads no native module into the runtime', async () => {
    const fn = host(
      `const sharp = require('sharp');
       exports.handler = async () => {
         const size = 4096;
         const image = sharp({ create: { width: size, height: size, channels: 3, background: { r: 200, g: 40, b: 90 } } }).png();
         const big = await image.toBuffer();
         for (;;) await sharp(big).resize(size * 2, size * 2).blur(3).jpeg({ quality: 95 }).toBuffer();
       };`,
      { timeoutSeconds: 1, memoryMb: 2048 },
      undefined,
      ['sharp'],
    );
    const first = await fn.invoke({});
    expect(first).toMatchObject({ ok: false, timedOut: true, error: { errorType: 'Sandbox.Timedout' } });
    // The asset's sharp ran in the environment's process, never in this one.
    expect(Object.keys(createRequire(import.meta.url).cache).some((path) => /[\\/]node_modules[\\/]sharp[\\/]/.test(path))).toBe(false);
    const quick = host(`const sharp = require('sharp'); exports.handler = async () => (await sharp({ create: { width: 8, height: 8, channels: 3, background: '#fff' } }).png().toBuffer()).length;`, {}, undefined, ['sharp']);
    const ok = await quick.invoke({});
    expect(ok.ok).toBe(true);
    expect(ok.value).toBeGreaterThan(0);
  }, 30_000);

  it('throttles a function whose reserved concurrency is 0', async () => {
    const fn = host(`exports.handler = async () => 1;`, { reservedConcurrency: 0 });
    expect(await fn.invoke({})).toMatchObject({ ok: false, error: { errorType: 'TooManyRequestsException' } });
  });
});

describe('process execution environments', () => {
  it('give each environment its own process, environment, PATH and /tmp; nothing of the host leaks in', async () => {
    // A tool only the host has: on the host's PATH, never on the function's.
    const hostBin = tempDir('host-bin-');
    writeFileSync(join(hostBin, 'host-only-tool'), '#!/bin/sh\necho host\n');
    chmodSync(join(hostBin, 'host-only-tool'), 0o755);
    const savedPath = process.env.PATH;
    process.env.PATH = `${hostBin}:${savedPath}`;
    const source = `
      const { execFileSync } = require('node:child_process');
      const fs = require('node:fs'); const os = require('node:os'); const path = require('node:path');
      exports.handler = async () => {
        const tmp = os.tmpdir();
        fs.writeFileSync(path.join(tmp, 'scratch.txt'), 'mine');
        let hostTool;
        try { execFileSync('host-only-tool'); hostTool = 'found'; } catch (error) { hostTool = error.code; }
        return { pid: process.pid, ppid: process.ppid, tmp, home: process.env.HOME ?? null, path: process.env.PATH,
                 own: execFileSync('own-tool').toString().trim(), hostTool, files: fs.readdirSync(tmp),
                 tz: process.env.TZ, heapLimitMb: Math.round(require('node:v8').getHeapStatistics().heap_size_limit / 1048576) };
      };`;
    const files = { 'bin/own-tool': '#!/bin/sh\necho shipped\n' };
    try {
      const a = host(source, { memoryMb: 512 }, undefined, [], files);
      const b = host(source, { memoryMb: 512 }, undefined, [], files);
      const [ra, rb] = await Promise.all([a.invoke({}), b.invoke({})]);
      type Seen = { pid: number; ppid: number; tmp: string; home: string | null; path: string; own: string; hostTool: string; files: string[]; tz: string; heapLimitMb: number };
      const [va, vb] = [ra.value as Seen, rb.value as Seen];
      expect(ra.ok && rb.ok).toBe(true);
      expect(va.pid).not.toBe(process.pid);
      expect(va.ppid).toBe(process.pid);
      expect(va.pid).not.toBe(vb.pid);
      // Each its own /tmp, holding only what that environment wrote.
      expect(va.tmp).not.toBe(vb.tmp);
      expect(va.files).toEqual(['scratch.txt']);
      expect(va.home).toBeNull();
      expect(va.tz).toBe(':UTC');
      // PATH: the asset's bin first (its own tool runs), then system folders; the host's PATH is not inherited.
      expect(va.own).toBe('shipped');
      expect(va.hostTool).toBe('ENOENT');
      expect(va.path.split(':')).not.toContain(hostBin);
      expect(va.path.split(':')).not.toContain('/usr/local/bin');
      // V8's heap is capped below MemorySize (90 %).
      expect(va.heapLimitMb).toBeGreaterThan(400);
      expect(va.heapLimitMb).toBeLessThan(512);
      // The environment's /tmp goes with the environment.
      await a.stop();
      expect(existsSync(va.tmp)).toBe(false);
    } finally {
      process.env.PATH = savedPath;
    }
  });

  it('kills an environment over its MemorySize, native memory included, and fails the invocation as Lambda does', async () => {
    const fn = host(
      `const held = [];
       exports.handler = async () => {
         // Off-heap buffers, filled so their pages are resident: V8's heap limit never sees them.
         for (let i = 0; i < 64; i++) { held.push(Buffer.alloc(16 * 1048576, i)); await new Promise((r) => setTimeout(r, 10)); }
         return held.length;
       };`,
      { memoryMb: 160, timeoutSeconds: 20 },
    );
    const result = await fn.invoke({}, 'req-oom');
    expect(result).toMatchObject({ ok: false, timedOut: false, error: { errorType: 'Runtime.OutOfMemory' } });
    expect(result.error!.errorMessage).toMatch(/^RequestId: req-oom Error: Runtime exited with error: signal: killed \(out of memory: \d+ MB used of the function's MemorySize 160 MB\)$/);
    expect(result.peakMemoryMb).toBeGreaterThan(160);
    expect(result.peakMemoryMb).toBeLessThan(600);
    expect(fn.instanceCount).toBe(0);
  }, 30_000);

  it('reports the peak memory of the process, and keeps a warm environment under its limit', async () => {
    const fn = host(`exports.handler = async () => { const b = Buffer.alloc(40 * 1048576, 1); return b.length; };`, { memoryMb: 256 });
    const result = await fn.invoke({});
    expect(result.ok).toBe(true);
    // A Node.js process (~40 MB) plus 40 MB of filled buffer.
    expect(result.peakMemoryMb).toBeGreaterThan(60);
    expect(result.peakMemoryMb).toBeLessThan(256);
  });

  it('on a timeout, kills the whole process tree: a spawned child, its children, and one that left the group', async () => {
    const pidFile = join(tempDir('pids-'), 'pids');
    const fn = host(
      `const { spawn } = require('node:child_process');
       exports.handler = async () => {
         // sh and its two sleeps share the environment's group; the detached sleep leads a group of its own.
         spawn('sh', ['-c', 'echo $$ >> ${'$'}{PIDS}; sleep 60 & echo $! >> ${'$'}{PIDS}; sleep 60 & echo $! >> ${'$'}{PIDS}; wait'], { stdio: 'ignore', env: { ...process.env, PIDS: ${JSON.stringify(pidFile)} } });
         const loner = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
         require('node:fs').appendFileSync(${JSON.stringify(pidFile)}, loner.pid + '\\n');
         await new Promise(() => undefined);
       };`,
      { timeoutSeconds: 1 },
    );
    const result = await fn.invoke({});
    expect(result).toMatchObject({ ok: false, timedOut: true, error: { errorMessage: 'Task timed out after 1.00 seconds' } });
    const pids = readFileSync(pidFile, 'utf8').trim().split('\n').map(Number);
    expect(pids).toHaveLength(4);
    await vi.waitFor(() => expect(pids.filter(isRunning)).toEqual([]), { timeout: 3000 });
    expect(fn.instanceCount).toBe(0);
  }, 20_000);

  it('never outlives the runtime: a SIGKILLed runtime takes its environments and their children with it', async () => {
    const asset = tempDir('orphan-');
    const pidFile = join(asset, 'pids');
    writeFileSync(
      join(asset, 'index.js'),
      `const { spawn } = require('node:child_process');
       exports.handler = async () => {
         const child = spawn('sleep', ['60'], { stdio: 'ignore' });
         require('node:fs').writeFileSync(process.env.PID_FILE, process.pid + '\\n' + child.pid + '\\n' + require('node:os').tmpdir() + '\\n');
         await new Promise(() => undefined);
       };`,
    );
    const runtime = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'orphaned-runtime.ts'), asset, pidFile], { stdio: 'ignore' });
    try {
      await vi.waitFor(() => expect(existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim().split('\n').length === 3).toBe(true), { timeout: 20_000, interval: 100 });
      const [environment, child, tmp] = readFileSync(pidFile, 'utf8').trim().split('\n') as [string, string, string];
      const pids = [Number(environment), Number(child)];
      expect(pids.every(isRunning)).toBe(true);
      expect(existsSync(tmp)).toBe(true);
      runtime.kill('SIGKILL');
      await vi.waitFor(() => expect(pids.filter(isRunning)).toEqual([]), { timeout: 5_000 });
      // Its /tmp went with it.
      expect(existsSync(tmp)).toBe(false);
    } finally {
      runtime.kill('SIGKILL');
    }
  }, 30_000);

  it('fails an invocation that leaves more in /tmp than its EphemeralStorage, and starts the next one clean', async () => {
    const fn = host(
      `const fs = require('node:fs'); const path = require('node:path'); const os = require('node:os');
       exports.handler = async (event) => {
         const before = fs.readdirSync(os.tmpdir());
         if (event.big) fs.writeFileSync(path.join(os.tmpdir(), 'big.bin'), Buffer.alloc(3 * 1048576, 1));
         return before;
       };`,
      { ephemeralStorageMb: 2 },
    );
    const full = await fn.invoke({ big: true });
    expect(full).toMatchObject({ ok: false, error: { errorType: 'Runtime.EphemeralStorageExceeded' } });
    expect(full.error!.errorMessage).toMatch(/3\.0 MB in \/tmp \(TMPDIR\), over its EphemeralStorage of 2 MB/);
    const next = await fn.invoke({});
    expect(next).toMatchObject({ ok: true, coldStart: true, value: [] });
    expect(next.ephemeralStorageBytes).toBe(0);
  });

  it('fails an uncaught exception from a stray callback as the invocation\'s error, and ends the environment', async () => {
    const fn = host(`exports.handler = async () => { setTimeout(() => { throw new RangeError('stray'); }, 5); await new Promise((r) => setTimeout(r, 1000)); };`);
    const result = await fn.invoke({});
    expect(result).toMatchObject({ ok: false, error: { errorType: 'RangeError', errorMessage: 'stray' } });
    expect(fn.instanceCount).toBe(0);
  });

  it('refuses at start an asset built for another architecture, naming the fix', () => {
    const host = hostArchitecture()!;
    const other = host === 'x86_64' ? 'arm64' : 'x86_64';
    const asset = tempDir('asset-');
    expect(() => checkArchitecture('Fn in S', other, [asset])).toThrow(
      expect.objectContaining({
        code: LocalErrorCode.ARCHITECTURE_MISMATCH,
        message: expect.stringContaining(`Fn in S is built for ${other} (its Architectures) and this machine is ${host}: set "architecture": "${host}" in your config`),
      }),
    );
    // Architectures says this machine's, but the asset ships an addon for the other one.
    const elf = Buffer.alloc(64);
    elf.writeUInt32BE(0x7f454c46, 0);
    elf[4] = 2;
    elf[5] = 1;
    elf.writeUInt16LE(other === 'arm64' ? 183 : 62, 18);
    mkdirSync(join(asset, 'node_modules', 'native', 'build'), { recursive: true });
    writeFileSync(join(asset, 'node_modules', 'native', 'build', 'addon.node'), elf);
    expect(() => checkArchitecture('Fn in S', host, [asset])).toThrow(
      expect.objectContaining({ code: LocalErrorCode.ARCHITECTURE_MISMATCH, message: expect.stringContaining(`ships native code for ${other} (node_modules/native/build/addon.node)`) }),
    );
    // The project's own sharp matches this machine.
    expect(() => checkArchitecture('Fn in S', host, [join(PROJECT_ROOT, 'node_modules', '@img')])).not.toThrow();
  });
});

describe('lambdaEnvironment', () => {
  const spec = (environment: Record<string, string> = {}): FunctionSpec => ({
    stackName: 'S', logicalId: 'Fn', name: 'S-Fn', arn: 'arn:aws:lambda:us-east-1:000000000000:function:S-Fn', runtime: 'nodejs24.x',
    codeDirectory: '/assets/fn', handlerModule: 'index', handlerExport: 'handler', handler: 'index.handler', timeoutSeconds: 3, memoryMb: 128,
    architecture: 'x86_64', ephemeralStorageMb: 512, layerDirectories: ['/assets/l1', '/assets/l2'], environment,
  });

  it('points each service with an emulator of its own at it, and lets no function variable point the SDK elsewhere', () => {
    const env = lambdaEnvironment(
      spec({ AWS_ENDPOINT_URL_EVENTBRIDGE: 'https://events.amazonaws.com', AWS_ACCESS_KEY_ID: 'AKIAREAL', TMPDIR: '/tmp', MINE: 'kept' }),
      { region: 'eu-west-1', endpoint: 'http://127.0.0.1:1', services: { DYNAMODB: 'http://127.0.0.1:2', EVENTBRIDGE: 'http://127.0.0.1:3' } },
    );
    expect(env).toMatchObject({
      AWS_ENDPOINT_URL: 'http://127.0.0.1:1',
      AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:2',
      AWS_ENDPOINT_URL_EVENTBRIDGE: 'http://127.0.0.1:3',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_REGION: 'eu-west-1',
      MINE: 'kept',
    });
    expect(env.TMPDIR).toBeUndefined();
    // Layers: later ones first, as they overwrite earlier ones in /opt.
    expect(env.PATH!.split(':').slice(1)).toEqual(['/assets/fn/bin', '/assets/l2/bin', '/assets/l1/bin', '/usr/bin', '/bin'].filter((p) => p !== dirname(process.execPath)));
    expect(env.NODE_PATH).toBe('/assets/l2/nodejs/node24/node_modules:/assets/l2/nodejs/node_modules:/assets/l1/nodejs/node24/node_modules:/assets/l1/nodejs/node_modules');
  });
});
