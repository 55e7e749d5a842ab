import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3SqsEmulator, type S3SqsEmulator } from '../../lib/local/emulators/s3-sqs-emulator.ts';

/**
 * X-Ray through Powertools Tracer: inside Lambda every SDK call becomes a subsegment sent to the
 * X-Ray daemon; outside it (or with POWERTOOLS_TRACE_ENABLED=false) nothing is sent, nothing is
 * logged, and calls behave the same. A UDP socket stands in for the daemon.
 */
const SCRIPT = fileURLToPath(new URL('../fixtures/traced-s3-calls.ts', import.meta.url));
const LAMBDA_ENV = {
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
  AWS_LAMBDA_FUNCTION_NAME: 'traced-fn',
  LAMBDA_TASK_ROOT: '/tmp',
  POWERTOOLS_SERVICE_NAME: 'image',
};

let s3: S3SqsEmulator;
let daemon: dgram.Socket;
let datagrams: string[] = [];

beforeAll(async () => {
  s3 = await startS3SqsEmulator({ region: 'us-east-1' });
  daemon = dgram.createSocket('udp4').on('message', (m) => datagrams.push(m.toString()));
  await new Promise<void>((resolve) => daemon.bind(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  daemon.close();
  await s3.stop();
});

function runCalls(env: Record<string, string>): Promise<{ stdout: string; stderr: string }> {
  datagrams = [];
  const { port } = daemon.address();
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', SCRIPT],
      {
        timeout: 30_000,
        env: {
          PATH: process.env.PATH!,
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'local',
          AWS_SECRET_ACCESS_KEY: 'local',
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          S3_ENDPOINT: s3.endpoint,
          AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${port}`,
          ...env,
        },
      },
      (error, stdout, stderr) => (error ? reject(Object.assign(error, { stderr })) : resolve({ stdout, stderr })),
    );
  });
}

const subsegments = () =>
  datagrams.map((d) => JSON.parse(d.slice(d.indexOf('\n') + 1)) as { name: string; namespace?: string; aws?: { operation?: string } });

describe('tracing', () => {
  it('in Lambda, sends each traced SDK call to X-Ray as a subsegment, and stays quiet without trace data', { timeout: 40_000 }, async () => {
    const { stdout, stderr } = await runCalls(LAMBDA_ENV);
    expect(JSON.parse(stdout)).toEqual({ tracingEnabled: true, body: 'b' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const sent = subsegments();
    // The call made before trace data existed is not traced; the two after it are.
    expect(sent.map((s) => [s.name, s.namespace, s.aws?.operation])).toEqual([
      ['S3', 'aws', 'PutObject'],
      ['S3', 'aws', 'GetObject'],
    ]);
    expect(stderr).not.toMatch(/Missing AWS Lambda trace data/);
  });

  it.each([
    ['outside Lambda', {}],
    ['with POWERTOOLS_TRACE_ENABLED=false', { ...LAMBDA_ENV, POWERTOOLS_TRACE_ENABLED: 'false' }],
  ])('is a no-op %s: same results, nothing sent, nothing logged', { timeout: 40_000 }, async (_name, env) => {
    const { stdout, stderr } = await runCalls(env);
    expect(JSON.parse(stdout)).toEqual({ tracingEnabled: false, body: 'b' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(datagrams).toEqual([]);
    expect(stderr).not.toMatch(/X-Ray|trace data/i);
  });
});
