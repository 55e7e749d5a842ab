import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const stateDir = mkdtempSync(join(tmpdir(), 'console-command-'));

describe('media-kit console', () => {
  let consoleCommand: typeof import('../../../lib/local/cli/console-command.ts').consoleCommand;
  let onPath: typeof import('../../../lib/local/cli/console-command.ts').onPath;
  let writeDevState: typeof import('../../../lib/local/cli/dev-state.ts').writeDevState;

  beforeAll(async () => {
    // STATE_DIR is read when the CLI modules load.
    process.env.MEDIA_KIT_STATE_DIR = stateDir;
    ({ consoleCommand, onPath } = await import('../../../lib/local/cli/console-command.ts'));
    ({ writeDevState } = await import('../../../lib/local/cli/dev-state.ts'));
  });
  afterAll(() => {
    delete process.env.MEDIA_KIT_STATE_DIR;
    rmSync(stateDir, { recursive: true, force: true });
  });

  const state = { pid: process.pid, preset: 'all', endpoint: 'http://127.0.0.1:1', region: 'us-east-1', pipelines: [], startedAt: new Date(0).toISOString() };

  it('prints the running runtime’s console URL and succeeds without a browser to open', async () => {
    writeDevState({ ...state, consoleUrl: 'http://127.0.0.1:4999/console' });
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      expect(await consoleCommand()).toBe(0);
      expect(log.mock.calls.map((c) => c[0])).toEqual(['http://127.0.0.1:4999/console']);
      expect(String(err.mock.calls.at(-1)?.[0])).toMatch(/no browser to open here/);
    } finally {
      process.env.PATH = path;
      log.mockRestore();
      err.mockRestore();
    }
  });

  it('says NOT_RUNNING when the runtime serves no console', async () => {
    writeDevState(state);
    await expect(consoleCommand()).rejects.toMatchObject({ code: 'NOT_RUNNING' });
  });

  it('finds executables on PATH only', () => {
    expect(onPath('node', process.env.PATH)).toMatch(/node$/);
    expect(onPath('no-such-binary-here', process.env.PATH)).toBeUndefined();
  });
});
