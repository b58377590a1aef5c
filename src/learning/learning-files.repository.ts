import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.tokens';

export interface CommandOutcome {
  readonly code: number | null;
  readonly outputTail: string;
}

/** The checkout root (where training/ and tools/ live), from src/ or from dist/src/. */
function findRepoRoot(): string {
  let dir = __dirname;
  while (path.dirname(dir) !== dir) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'training'))) return dir;
    dir = path.dirname(dir);
  }
  return process.cwd();
}

const REPO_ROOT = findRepoRoot();

/** Files and child processes of the learning loop: the only I/O this module does. */
@Injectable()
export class LearningFilesRepository {
  readonly root: string;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.root = path.join(config.dataDir, 'learning');
  }

  /** A fresh working folder for one retraining run. */
  async workspace(name: string): Promise<string> {
    const dir = path.join(this.root, 'runs', name);
    await fs.mkdir(dir, { recursive: true });
    return dir;
  }

  modelDir(version: string): string {
    return path.join(this.root, 'models', version);
  }

  async writeBytes(target: string, bytes: Buffer): Promise<void> {
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.writeFile(target, bytes);
  }

  async writeText(target: string, text: string): Promise<void> {
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.writeFile(target, text);
  }

  async readJson(file: string): Promise<unknown> {
    return JSON.parse(await fs.readFile(file, 'utf8')) as unknown;
  }

  async exists(file: string): Promise<boolean> {
    return fs.access(file).then(
      () => true,
      () => false,
    );
  }

  /**
   * Runs a site-configured command line (trainer, packager) with a time limit, at the nice value of
   * the threads that read images: a retraining of an hour must not slow a modality sending a burst.
   * `nice` execs the shell, so the pid (killed at the limit) is the shell's.
   */
  runShell(command: string, timeoutMs: number): Promise<CommandOutcome> {
    const nice = this.config.receivePriority.readNice;
    const [file, args] =
      process.platform === 'linux' && nice > 0 ? ['nice', ['-n', String(nice), '/bin/sh', '-c', command]] : ['/bin/sh', ['-c', command]];
    return new Promise((resolve) => {
      const child = spawn(file, args, { cwd: this.repoRoot(), stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      const keep = (chunk: Buffer): void => {
        output = (output + chunk.toString()).slice(-4000);
      };
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, outputTail: output });
      });
    });
  }

  /** Runs the engine's own evaluation CLI (the Node inference path) on a models folder. */
  async evaluate(modelsDir: string, imagesDir: string, labelsCsv: string, jsonOut: string, timeoutMs: number): Promise<unknown> {
    const compiled = path.join(__dirname, '..', '..', 'tools', 'evaluate.js');
    const args = (await this.exists(compiled))
      ? [compiled]
      : ['--require', 'ts-node/register/transpile-only', path.join(this.repoRoot(), 'tools', 'evaluate.ts')];
    const quoted = [process.execPath, ...args, '--images', imagesDir, '--labels', labelsCsv, '--json', jsonOut, '--models', modelsDir]
      .map(shellQuote)
      .join(' ');
    const outcome = await this.runShell(quoted, timeoutMs);
    if (outcome.code !== 0) throw new Error(`evaluation of ${path.basename(modelsDir)} failed: ${outcome.outputTail.slice(-500)}`);
    return this.readJson(jsonOut);
  }

  private repoRoot(): string {
    return REPO_ROOT;
  }
}

export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
