/**
 * Can the learning loop improve the shipped model? FracAtlas images that the active model gets
 * wrong are uploaded, each is corrected by a doctor through the review API, and one retraining
 * run with the default trainer command (fine-tuning the active model's checkpoint) is judged by
 * the evaluation gate against the active model.
 *   npm run build && npm run bench:learning -- [--fracatlas <dir>] [--models <dir>]
 *     [--trainer-command "<command>"] [--sensitivity-floor 0.9] [--limit N] [--json out.json] [--keep]
 *
 * Data, from the trainer's own seed-42 group split of the FracAtlas development folder (the
 * shipped model's split: it trained on the training split and never saw the validation split):
 * - the validation groups (20-id blocks, in order) are dealt into thirds: the first is the frozen
 *   evaluation set (OSTEON_EVAL_DIR); the third joins the base data (OSTEON_BASE_DATASET_DIR, with the
 *   training split; symlinks), where the fine-tune validates on it (calibration, threshold) as the
 *   only base images its starting model never trained on; the second is the "clinic": every clinic image is uploaded
 *   (one study each) and read by the active model; the doctor amends the reports the model got
 *   wrong at its operating point (a false flag, a missed fracture) with the FracAtlas label and
 *   leaves the others unreviewed, so only corrections become training labels (written alternating
 *   the two kinds, so that the held-out newest labels contain both);
 * - the newest OSTEON_RETRAIN_HOLDOUT_FRACTION of those labels are held out of training and the
 *   gate compares candidate and active model on them and on the frozen set.
 * No image is in two of these sets. Takes about 15 minutes on an idle 2-core machine (8 min of uploads, the rest the
 * fine-tune and the gate's evaluations).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { startEngine } from '../test/support/engine';
import { api, userToken } from '../test/support/http';
import { waitFor } from '../test/support/processes';
import { tempWorkspace } from '../test/support/workspace';

const run = promisify(execFile);
const REPO = path.join(__dirname, '..');

interface LabelRow {
  readonly image_id: string;
  readonly fractured: string;
  readonly fracture_count: string;
  readonly hand: string;
  readonly leg: string;
  readonly hip: string;
  readonly shoulder: string;
}

interface ModelVersion {
  readonly version: string;
  readonly status: string;
  readonly gate?: {
    passed: boolean;
    reasons: string[];
    frozen: { candidate: Record<string, number | null>; active: Record<string, number | null> };
    newLabels?: { candidate: Record<string, number | null>; active: Record<string, number | null> };
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      fracatlas: { type: 'string', default: '/work/shared/datasets/fracatlas' },
      models: { type: 'string', default: path.join(REPO, 'models') },
      'trainer-command': { type: 'string' },
      'sensitivity-floor': { type: 'string', default: '0.9' },
      limit: { type: 'string' },
      json: { type: 'string' },
      keep: { type: 'boolean', default: false },
    },
  });
  const fracatlas = path.resolve(values.fracatlas);
  const workspace = await tempWorkspace('bench-learning');
  const started = Date.now();
  const log = (message: string): void =>
    void process.stdout.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(5)} s] ${message}\n`);
  try {
    const { header, rows, boxes } = await readFracAtlas(fracatlas);
    const split = await trainerSplit(fracatlas);
    const block = (id: string): number => Math.floor(Number(/(\d+)(?!.*\d)/.exec(id)?.[1] ?? 0) / 20);
    // the validation split's 20-id blocks in order, dealt out in turn (rank % 3) so the thirds are alike
    const blocks = [...new Set(split.val.map(block))].sort((a, b) => a - b);
    const third = (id: string): number => blocks.indexOf(block(id)) % 3;
    const frozenIds = split.val.filter((id) => third(id) === 0);
    let clinicIds = split.val.filter((id) => third(id) === 1);
    const calibrationIds = split.val.filter((id) => third(id) === 2);
    if (values.limit) clinicIds = clinicIds.slice(0, Number(values.limit));
    const baseDir = path.join(workspace.dir, 'base');
    const frozenDir = path.join(workspace.dir, 'frozen');
    await linkFolder(fracatlas, baseDir, header, rows, boxes, [...split.train, ...calibrationIds]);
    await linkFolder(fracatlas, frozenDir, header, rows, boxes, frozenIds);
    log(
      `base ${split.train.length} training-split images + ${calibrationIds.length} validation-split images (the fine-tune validates on these); ` +
        `frozen ${frozenIds.length}, clinic ${clinicIds.length} (validation split dealt into thirds by 20-id block)`,
    );

    const models = path.join(workspace.dir, 'models');
    await fs.cp(path.resolve(values.models), models, { recursive: true });
    const engine = await startEngine({
      dataDir: path.join(workspace.dir, 'data'),
      env: {
        OSTEON_MODELS_DIR: models,
        OSTEON_EVAL_DIR: frozenDir,
        OSTEON_BASE_DATASET_DIR: baseDir,
        OSTEON_RETRAIN_CHECK_MINUTES: '0',
        OSTEON_GATE_SENSITIVITY_FLOOR: values['sensitivity-floor'],
        OSTEON_STUDY_IDLE_MS: '200',
        ...(values['trainer-command'] ? { OSTEON_TRAINER_COMMAND: values['trainer-command'] } : {}),
      },
    });
    try {
      const doctor = await userToken(engine, 'dr-bench', 'doctor');
      const clerk = await userToken(engine, 'clerk-bench', 'admin-worker');
      const active = ((await api(engine, 'GET', '/api/models')).body.items as ModelVersion[]).find((model) => model.status === 'active');
      log(`active model ${active?.version}`);
      const wrong: Array<{ id: string; reportId: string; kind: 'false flag' | 'missed' }> = [];
      for (const [index, id] of clinicIds.entries()) {
        const row = rows.get(id)!;
        const form = new FormData();
        form.append('patientId', `BENCH-${index}`);
        form.append('patientName', `BENCH^${index}`);
        form.append('birthDate', '19700101');
        form.append(
          'images',
          new Blob([new Uint8Array(await fs.readFile(path.join(fracatlas, 'images', id)))], { type: 'image/jpeg' }),
          id,
        );
        const uploaded = await api(engine, 'POST', '/api/records', { token: clerk, form });
        if (uploaded.status !== 201) throw new Error(`upload of ${id} failed: ${uploaded.status} ${JSON.stringify(uploaded.body)}`);
        const report = await waitFor(
          async () => {
            const page = await api(engine, 'GET', `/api/reports?studyInstanceUid=${uploaded.body.studyInstanceUids[0]}`, { token: doctor });
            return page.body.items[0] as { id: string } | undefined;
          },
          120_000,
          50,
        );
        const detail = (await api(engine, 'GET', `/api/reports/${report.id}`, { token: doctor })).body as {
          findings?: { fracture?: boolean };
        };
        const flagged = Boolean(detail.findings?.fracture);
        const fractured = row.fractured === '1';
        if (flagged !== fractured) wrong.push({ id, reportId: report.id, kind: fractured ? 'missed' : 'false flag' });
      }
      log(
        `active model read ${clinicIds.length} clinic images: ${wrong.filter((w) => w.kind === 'false flag').length} false flags, ${wrong.filter((w) => w.kind === 'missed').length} missed fractures`,
      );
      // Corrections alternate false flags and missed fractures (in id order within each kind), so the
      // newest labels, which the gate holds out, hold both kinds: with one class ROC-AUC is undefined there.
      const flags = wrong.filter((item) => item.kind === 'false flag');
      const missed = wrong.filter((item) => item.kind === 'missed');
      const ordered = flags.length >= missed.length ? interleave(flags, missed) : interleave(missed, flags);
      for (const item of ordered) {
        const row = rows.get(item.id)!;
        const fracture = row.fractured === '1';
        const count = Number(row.fracture_count);
        const bodyPart = (['hand', 'leg', 'hip', 'shoulder'] as const).find((part) => row[part] === '1') ?? 'hand';
        const amended = await api(engine, 'POST', `/api/reports/${item.reportId}/amend`, {
          token: doctor,
          json: { fracture, countClass: !fracture ? '0' : count >= 2 ? '2+' : '1', bodyPart },
        });
        if (amended.status !== 200) throw new Error(`amending ${item.id} failed: ${amended.status} ${JSON.stringify(amended.body)}`);
      }
      log(
        `${wrong.length} corrections written through the review API; retraining with ${values['trainer-command'] ? 'the given' : 'the default'} trainer command`,
      );
      const requested = await api(engine, 'POST', '/api/models/retrain');
      if (requested.status !== 202) throw new Error(`retrain request failed: ${requested.status} ${JSON.stringify(requested.body)}`);
      const job = await waitFor(
        async () => {
          const current = await api(engine, 'GET', `/api/jobs/${requested.body.jobId}`);
          return ['done', 'dead'].includes(current.body.status) ? current.body : undefined;
        },
        4 * 3600_000,
        5000,
      );
      const candidate = ((await api(engine, 'GET', '/api/models')).body.items as ModelVersion[]).find(
        (model) => model.version !== active?.version && model.gate,
      );
      const gate = candidate?.gate;
      const number = (value: number | null | undefined, digits = 3): string => (typeof value === 'number' ? value.toFixed(digits) : 'n/a');
      process.stdout.write(
        `\nretraining job ${job.status}; candidate ${candidate?.version ?? 'none'}: ${candidate?.status ?? ''}, gate ${gate?.passed ? 'PASSED' : 'failed'}\n`,
      );
      if (gate) {
        process.stdout.write(
          `frozen set (${gate.frozen.active.n} images): ROC-AUC active ${number(gate.frozen.active.auroc)} -> candidate ${number(gate.frozen.candidate.auroc)}; `,
        );
        process.stdout.write(
          `sensitivity ${number(gate.frozen.active.sensitivity)} -> ${number(gate.frozen.candidate.sensitivity)}; specificity ${number(gate.frozen.active.specificity)} -> ${number(gate.frozen.candidate.specificity)}\n`,
        );
        if (gate.newLabels) {
          process.stdout.write(
            `held-out corrections (${gate.newLabels.active.n} images): ROC-AUC active ${number(gate.newLabels.active.auroc)} -> candidate ${number(gate.newLabels.candidate.auroc)}; `,
          );
          process.stdout.write(
            `sensitivity ${number(gate.newLabels.active.sensitivity)} -> ${number(gate.newLabels.candidate.sensitivity)}; specificity ${number(gate.newLabels.active.specificity)} -> ${number(gate.newLabels.candidate.specificity)}; ` +
              `Brier score ${number(gate.newLabels.active.brier, 4)} -> ${number(gate.newLabels.candidate.brier, 4)}\n`,
          );
        }
        if (gate.reasons.length > 0) process.stdout.write(`reasons: ${gate.reasons.join('; ')}\n`);
      } else {
        process.stdout.write(`${JSON.stringify(job).slice(0, 2000)}\n`);
      }
      process.stdout.write(`total ${((Date.now() - started) / 60_000).toFixed(1)} min\n`);
      if (values.json) {
        await fs.writeFile(
          values.json,
          `${JSON.stringify({ active: active?.version, clinic: clinicIds.length, frozen: frozenIds.length, corrections: wrong, job, candidate }, null, 2)}\n`,
        );
      }
    } finally {
      await engine.stop();
    }
  } finally {
    if (values.keep) process.stdout.write(`kept ${workspace.dir}\n`);
    else await workspace.cleanup();
  }
}

/** The longer list with the shorter one's items spread evenly through it. */
function interleave<T>(long: readonly T[], short: readonly T[]): T[] {
  const out: T[] = [];
  let taken = 0;
  long.forEach((item, index) => {
    out.push(item);
    while (taken < short.length && (taken + 1) * long.length <= (index + 1) * short.length) out.push(short[taken++]!);
  });
  return out;
}

async function readFracAtlas(
  dir: string,
): Promise<{ header: string; rows: Map<string, LabelRow & Record<string, string>>; boxes: { header: string; lines: string[] } }> {
  const text = await fs.readFile(path.join(dir, 'labels.csv'), 'utf8');
  const [header, ...lines] = text.trim().split(/\r?\n/);
  const names = header!.split(',');
  const rows = new Map<string, LabelRow & Record<string, string>>();
  for (const line of lines) {
    const cells = line.split(',');
    const row = Object.fromEntries(names.map((name, k) => [name, cells[k] ?? ''])) as LabelRow & Record<string, string>;
    rows.set(row.image_id, row);
  }
  const [boxHeader, ...boxLines] = (await fs.readFile(path.join(dir, 'boxes.csv'), 'utf8')).trim().split(/\r?\n/);
  return { header: header!, rows, boxes: { header: boxHeader!, lines: boxLines } };
}

/** The trainer's own split (training/data.py split_groups, seed 42, 20 % validation). */
async function trainerSplit(dir: string): Promise<{ train: string[]; val: string[] }> {
  const script = [
    'import json, sys',
    `sys.path.insert(0, ${JSON.stringify(path.join(REPO, 'training'))})`,
    'from data import read_folder, split_groups',
    `rows = [r for r in read_folder(${JSON.stringify(dir)}) if r["fractured"] >= 0]`,
    'tr, va = split_groups(rows, 0.2, 42)',
    'print(json.dumps({"train": [rows[i]["image_id"] for i in tr], "val": [rows[i]["image_id"] for i in va]}))',
  ].join('\n');
  const { stdout } = await run('/usr/bin/python3', ['-c', script], { maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout) as { train: string[]; val: string[] };
}

async function linkFolder(
  source: string,
  target: string,
  header: string,
  rows: Map<string, Record<string, string>>,
  boxes: { header: string; lines: string[] },
  ids: readonly string[],
): Promise<void> {
  await fs.mkdir(path.join(target, 'images'), { recursive: true });
  const names = header.split(',');
  const wanted = new Set(ids);
  for (const id of ids) await fs.symlink(path.join(source, 'images', id), path.join(target, 'images', id));
  await fs.writeFile(
    path.join(target, 'labels.csv'),
    [header, ...ids.map((id) => names.map((name) => rows.get(id)![name]).join(','))].join('\n') + '\n',
  );
  await fs.writeFile(
    path.join(target, 'boxes.csv'),
    [boxes.header, ...boxes.lines.filter((line) => wanted.has(line.split(',')[0]!))].join('\n') + '\n',
  );
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
