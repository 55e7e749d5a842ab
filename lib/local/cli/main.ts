import { parseArgs } from 'node:util';
import { DEFAULT_PRESET } from '../../presets/index.ts';
import { LocalErrorCode, LocalRuntimeError } from '../errors.ts';
import { consoleCommand } from './console-command.ts';
import { costCommand } from './cost-command.ts';
import { devCommand } from './dev-command.ts';
import { red } from './format.ts';
import { presetsCommand } from './presets-command.ts';
import { runCommand } from './run-command.ts';
import { sampleCommand } from './sample-command.ts';
import { tasksCommand } from './tasks-command.ts';
import { uploadCommand } from './upload-command.ts';
import { RUN_TIME_SCALE, validTimeScale } from '../time-scale.ts';

const USAGE = `media-kit — run the kit's pipelines on this machine (loopback only)

  media-kit dev     [--preset P] [--config F] [--port N] [--no-demo]   boot, run the demo inputs, serve until Ctrl-C
  media-kit run     [--preset P] [--config F] [--pipeline ID] [--out DIR] [--json] [--timeout S] FILE...
  media-kit upload  [--pipeline ID] FILE...                    into a running dev runtime
  media-kit presets [--json]                                   presets and the pipelines each enables
  media-kit sample  battle [--seed N] [--players N] [--enemies N] [--actions N] [--out FILE]   a valid battle log
  media-kit console                                            the dev runtime's console URL (opens a browser when there is one)
  media-kit tasks   [list|show ID|retry ID|stop ID] [--pipeline ID] [--state S] [--json] [--stack NAME]
  media-kit cost    [--json] [--stack NAME]                    cost per task and per 1 000 against an always-on container

  --config F        JSON overriding the preset, as \`cdk synth -c config=F\`
  --time-scale N    run queue visibility timeouts and retry delays N times faster than on AWS
                    (handler timeouts stay real); run: ${RUN_TIME_SCALE}, dev: 1 (real time)
  --assembly DIR    run an existing cloud assembly instead of synthesizing the preset
Pipelines: image, video, settlement, inference. Default preset: ${DEFAULT_PRESET}.
Exit codes (run): 0 all succeeded, 2 some failed, 1 runtime error or timeout.`;

/** Parses argv, runs one command, and maps every failure to a message and exit code 1. */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === 'sample') return await sampleCommand(rest);
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: {
        preset: { type: 'string', default: DEFAULT_PRESET },
        port: { type: 'string' },
        pipeline: { type: 'string' },
        out: { type: 'string' },
        json: { type: 'boolean', default: false },
        timeout: { type: 'string', default: '300' },
        assembly: { type: 'string' },
        config: { type: 'string' },
        'time-scale': { type: 'string' },
        'no-demo': { type: 'boolean', default: false },
        state: { type: 'string' },
        stack: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (values.help || command === undefined || command === 'help' || command === '--help' || command === '-h') {
      console.log(USAGE);
      return command === undefined ? 1 : 0;
    }
    const common = {
      preset: values.preset,
      ...(values.assembly ? { assembly: values.assembly } : {}),
      ...(values.config ? { config: values.config } : {}),
    };
    switch (command) {
      case 'dev':
        return await devCommand({ ...common, port: wholeNumber(values.port ?? '4566', '--port'), noDemo: values['no-demo'], timeScale: timeScale(values['time-scale'], 1) });
      case 'run':
        return await runCommand({
          ...common,
          timeScale: timeScale(values['time-scale'], RUN_TIME_SCALE),
          files: positionals,
          ...(values.pipeline ? { pipeline: values.pipeline } : {}),
          ...(values.out ? { out: values.out } : {}),
          json: values.json,
          timeoutSeconds: wholeNumber(values.timeout, '--timeout'),
        });
      case 'upload':
        return await uploadCommand({ files: positionals, ...(values.pipeline ? { pipeline: values.pipeline } : {}) });
      case 'presets':
        return presetsCommand({ json: values.json });
      case 'console':
        return await consoleCommand();
      case 'tasks':
        return await tasksCommand({
          action: positionals[0],
          ...(positionals[1] ? { id: positionals[1] } : {}),
          ...(values.pipeline ? { pipeline: values.pipeline } : {}),
          ...(values.state ? { state: values.state } : {}),
          ...(values.stack ? { stack: values.stack } : {}),
          json: values.json,
        });
      case 'cost':
        return await costCommand({ json: values.json, ...(values.stack ? { stack: values.stack } : {}) });
      default:
        throw new LocalRuntimeError(LocalErrorCode.USAGE, `Unknown command '${command}'\n\n${USAGE}`);
    }
  } catch (error) {
    if (error instanceof LocalRuntimeError) {
      process.stderr.write(`${red(`media-kit: ${error.code}`)} ${error.message}\n`);
    } else if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`${red('media-kit: USAGE')} ${(error as Error).message}\n\n${USAGE}\n`);
    } else {
      process.stderr.write(`${red('media-kit: unexpected error')} ${(error as Error).stack ?? String(error)}\n`);
    }
    return 1;
  }
}

function timeScale(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!validTimeScale(n)) throw new LocalRuntimeError(LocalErrorCode.USAGE, `--time-scale takes a number of 1 or more (1 is real time), not '${value}'`);
  return n;
}

/** A non-negative integer: `--timeout 0` (report at once what is not terminal) and `--port 0` (any free port) are meaningful. */
function wholeNumber(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new LocalRuntimeError(LocalErrorCode.USAGE, `${flag} takes a whole number (0 or more), not '${value}'`);
  return n;
}
