import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const SRC = path.join(ROOT, 'src');
const DOC = path.join(ROOT, 'docs', 'architecture.md');
/** The composition root: it imports every module and belongs to none. */
const COMPOSITION_ROOT = new Set(['app.module.ts', 'main.ts']);
const MAX_LINES = 300;

interface SourceFile {
  readonly path: string;
  readonly module: string;
  readonly text: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? sourceFiles(full) : name.endsWith('.ts') ? [full] : [];
  });
}

const files: SourceFile[] = sourceFiles(SRC)
  .filter((file) => !COMPOSITION_ROOT.has(path.relative(SRC, file)))
  .map((file) => ({
    path: path.relative(ROOT, file),
    module: path.relative(SRC, file).split(path.sep)[0] as string,
    text: readFileSync(file, 'utf8'),
  }));

/** Relative imports (static, dynamic, require) as module names; `import type` counts too. */
function importedModules(file: SourceFile): string[] {
  const specifiers = [...file.text.matchAll(/(?:from\s+|import\(\s*|require\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)].map(
    (match) => match[1] as string,
  );
  return specifiers.map(
    (specifier) => path.relative(SRC, path.resolve(ROOT, path.dirname(file.path), specifier)).split(path.sep)[0] as string,
  );
}

/** `| \`reports\` | owns ... | \`access\`, \`audit\` |` rows of the module table, in order. */
function documentedRules(): Array<{ module: string; mayImport: string[] }> {
  const rows = readFileSync(DOC, 'utf8')
    .split('\n')
    .filter((line) => /^\| `[a-z0-9-]+` \|/.test(line));
  return rows.map((line) => {
    const cells = line.split('|').map((cell) => cell.trim());
    const names = (cell: string | undefined): string[] => [...(cell ?? '').matchAll(/`([a-z0-9-]+)`/g)].map((match) => match[1] as string);
    return { module: names(cells[1])[0] as string, mayImport: names(cells[3]) };
  });
}

const rules = documentedRules();
const allowed = new Map(rules.map((rule) => [rule.module, new Set(rule.mayImport)]));

/** Everyone may import `common`; everyone but `common` may import `config` (docs/architecture.md). */
function mayImport(from: string, to: string): boolean {
  if (to === 'common') return true;
  if (to === 'config') return from !== 'common';
  return allowed.get(from)?.has(to) ?? false;
}

function moduleGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of files) {
    const edges = graph.get(file.module) ?? new Set<string>();
    for (const target of importedModules(file)) if (target !== file.module) edges.add(target);
    graph.set(file.module, edges);
  }
  return graph;
}

function cycles(graph: Map<string, Set<string>>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (node: string, trail: string[]): void => {
    if (state.get(node) === 'done') return;
    if (state.get(node) === 'visiting') {
      found.push([...trail.slice(trail.indexOf(node)), node]);
      return;
    }
    state.set(node, 'visiting');
    for (const next of graph.get(node) ?? []) visit(next, [...trail, node]);
    state.set(node, 'done');
  };
  for (const node of graph.keys()) visit(node, []);
  return found;
}

describe('architecture (docs/architecture.md is the rule book)', () => {
  it('documents every module under src/, and only those', () => {
    const folders = readdirSync(SRC).filter((name) => statSync(path.join(SRC, name)).isDirectory());
    expect(rules.map((rule) => rule.module).sort()).toEqual([...folders].sort());
  });

  it('lets a module import only what its row allows', () => {
    const violations = files.flatMap((file) =>
      importedModules(file)
        .filter((target) => target !== file.module && !mayImport(file.module, target))
        .map((target) => `${file.path} imports ${target}/ (${file.module} may not)`),
    );
    expect(violations).toEqual([]);
  });

  it('draws no module loops: in the table every row depends only on rows above it, and the imports have no cycle', () => {
    const upward = rules.flatMap((rule, index) =>
      rule.mayImport
        .filter((target) => !rules.slice(0, index).some((above) => above.module === target))
        .map((target) => `${rule.module} → ${target}`),
    );
    expect(upward).toEqual([]);
    expect(cycles(moduleGraph()).map((cycle) => cycle.join(' → '))).toEqual([]);
  });

  it('keeps MongoDB behind repositories and repositories out of controllers', () => {
    const mongo = files.filter(
      (file) => /from 'mongodb'/.test(file.text) && file.module !== 'database' && !file.path.endsWith('.repository.ts'),
    );
    expect(mongo.map((file) => file.path)).toEqual([]);
    const controllers = files.filter(
      (file) => file.path.endsWith('.controller.ts') && /^import (?!type )[^;]*from '[^']*\.repository';$/m.test(file.text),
    );
    expect(controllers.map((file) => file.path)).toEqual([]);
  });

  it(`keeps files small (at most ${MAX_LINES} lines) and named in kebab-case`, () => {
    const long = files.filter((file) => file.text.split('\n').length > MAX_LINES).map((file) => file.path);
    expect(long).toEqual([]);
    const badNames = files.map((file) => path.basename(file.path)).filter((name) => !/^[a-z0-9]+(?:[.-][a-z0-9]+)*\.ts$/.test(name));
    expect(badNames).toEqual([]);
  });
});
