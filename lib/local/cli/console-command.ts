import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { LocalErrorCode, LocalRuntimeError } from '../errors.ts';
import { readDevState } from './dev-state.ts';
import { dim, progress } from './format.ts';

/** The first executable `name` on PATH, if any. */
export function onPath(name: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

/**
 * `media-kit console`: prints the running dev runtime's console URL and opens it in a browser when
 * the machine has one (xdg-open with a display). Without a browser the URL is the answer: never a failure.
 */
export async function consoleCommand(options: { readonly open?: boolean } = {}): Promise<number> {
  const state = readDevState();
  if (!state.consoleUrl) throw new LocalRuntimeError(LocalErrorCode.NOT_RUNNING, `The dev runtime (pid ${state.pid}) serves no console: it has no task API`);
  console.log(state.consoleUrl);
  if (options.open === false) return 0;
  const opener = onPath('xdg-open');
  const display = process.env.DISPLAY || process.env.WAYLAND_DISPLAY;
  if (!opener || !display) {
    progress(dim('no browser to open here (xdg-open or a display is missing): open the URL above'));
    return 0;
  }
  await new Promise<void>((resolve) => {
    const child = spawn(opener, [state.consoleUrl!], { stdio: 'ignore', detached: true });
    child.once('error', (error) => {
      progress(dim(`could not open a browser (${error.message}): open the URL above`));
      resolve();
    });
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
  });
  return 0;
}
