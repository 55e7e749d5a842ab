import { describe, expect, it } from 'vitest';
import { definePipelineContract } from '../../functions/shared/pipeline-contract.ts';
import { describeTask, summarize } from '../../lib/local/cli/report.ts';
import type { PipelineRoute } from '../../lib/local/pipelines.ts';
import { OutcomeTracker } from '../../lib/local/tasks/outcome-tracker.ts';
import { TaskLog } from '../../lib/local/tasks/task-log.ts';

const contract = definePipelineContract({ id: 'video', ingestPrefix: 'videos/', outputPrefix: 'video/', resultDocument: 'report.json', errorCodes: ['VIDEO_X'] });
const route: PipelineRoute = {
  id: 'video',
  functionName: 'Fn',
  ingestBucket: 'in',
  ingestPrefix: 'videos/',
  resultsBucket: 'out',
  outputPrefix: 'video/',
  contract,
  queueName: 'Work',
};

function tracker(documents: Record<string, unknown> = {}) {
  const log = new TaskLog();
  const errors: Error[] = [];
  const t = new OutcomeTracker(
    log,
    async () => ({ code: 'UNUSED', message: '' }),
    (e) => errors.push(e),
    async (bucket, key) => documents[`${bucket}/${key}`],
  );
  return { t, log, errors };
}

const uploaded = (key: string) => ({ service: 's3' as const, bucket: 'out', key, status: 'uploaded' as const, timestamp: Date.now() });

describe('OutcomeTracker reads result locations from the contract', () => {
  it('a result document where the contract says ends the task succeeded', async () => {
    const { t } = tracker();
    const task = t.expect(route, 'in', 'videos/a.mp4', Date.now(), '01');
    expect(task.resultKey).toBe('video/a.mp4/report.json');
    t.handle(uploaded('video/a.mp4/manifest.json'));
    expect(task.status).toBe('pending');
    t.handle(uploaded('video/a.mp4/report.json'));
    expect((await task.done).status).toBe('succeeded');
  });

  it('with two uploads of a key pending, the result goes to the one its document names; the other ends superseded from its log line', async () => {
    const { t, log } = tracker({ 'out/video/a.mp4/report.json': { input: { key: 'videos/a.mp4', sequencer: '02' } } });
    const older = t.expect(route, 'in', 'videos/a.mp4', Date.now(), '01');
    const newer = t.expect(route, 'in', 'videos/a.mp4', Date.now(), '02');
    t.handle(uploaded('video/a.mp4/report.json'));
    expect((await newer.done).status).toBe('succeeded');
    expect(older.status).toBe('pending');
    const record = log.started({ function: 'Fn', requestId: 'r', source: 'Work', inputs: [{ bucket: 'in', key: 'videos/a.mp4', attempt: 1, sequencer: '01' }], batchSize: 1, memoryMb: 128 });
    log.finish(record, {
      ok: true,
      value: {},
      timedOut: false,
      logs: [{ stream: 'stdout', text: JSON.stringify({ level: 'INFO', message: 'Task superseded', outcome: 'superseded', key: 'videos/a.mp4', bucket: 'in', sequencer: '01' }) }],
    } as never);
    expect((await older.done).status).toBe('superseded');
    // The report shows it as its own status, without outputs or an error.
    const item = await describeTask({} as never, 'a.mp4', older);
    expect(item).toMatchObject({ status: 'superseded', outputs: [] });
    expect(item.error).toBeUndefined();
    expect(summarize([item], 10)).toEqual({ succeeded: 0, failed: 0, superseded: 1, wallMs: 10 });
  });
});
