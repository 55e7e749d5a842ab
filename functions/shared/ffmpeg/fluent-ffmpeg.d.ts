// The slice of fluent-ffmpeg 2.1.3 that runner.ts uses (the package ships no types, and
// @types/fluent-ffmpeg would be a dependency for one file).
declare module 'fluent-ffmpeg' {
  import type { ChildProcess } from 'node:child_process';

  interface FfmpegCommand {
    setFfmpegPath(path: string): FfmpegCommand;
    input(source: string): FfmpegCommand;
    inputOptions(...options: string[]): FfmpegCommand;
    output(target: string): FfmpegCommand;
    outputOptions(...options: string[]): FfmpegCommand;
    complexFilter(spec: string): FfmpegCommand;
    on(event: 'start', listener: (commandLine: string) => void): FfmpegCommand;
    on(event: 'stderr', listener: (line: string) => void): FfmpegCommand;
    on(event: 'error', listener: (error: Error) => void): FfmpegCommand;
    on(event: 'end', listener: () => void): FfmpegCommand;
    run(): void;
    kill(signal?: NodeJS.Signals): FfmpegCommand;
    /** Set between 'start' and the end of the run. */
    ffmpegProc?: ChildProcess;
  }

  function ffmpeg(options?: { stdoutLines?: number; logger?: unknown }): FfmpegCommand;
  export default ffmpeg;
}
