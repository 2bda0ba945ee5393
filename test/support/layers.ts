/**
 * The layers of the source tree and which way imports may run, as data (in the spirit of
 * Playwright's per-folder DEPS.list), and the checker that holds the tree to it. Each layer
 * imports only itself and the layers it names; a file belongs to the layer of the longest
 * matching prefix. Imports are read as text: static `import … from`, `export … from`, and
 * dynamic `import('…')`, type-only ones included (a type import still ties two layers).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface Layer {
  /** A folder, or one file, relative to the repository root. */
  prefix: string;
  /** The layers (prefixes) it may import besides itself. */
  may: readonly string[];
  /** Only type imports of these (the sandbox shares the config's type, never its code). */
  typeOnly?: readonly string[];
  /** Packages it must not import (the probes never talk to AWS). */
  forbiddenPackages?: RegExp;
}

/** Bottom to top; see README "Architecture". */
export const LAYERS: readonly Layer[] = [
  { prefix: 'lib/core', may: [] },
  { prefix: 'lib/adapters', may: ['lib/core'] },
  { prefix: 'lib/alarms', may: ['lib/core', 'lib/adapters'] },
  { prefix: 'lib/reports', may: ['lib/core', 'lib/adapters', 'lib/alarms'] },
  { prefix: 'probes', may: ['lib/core', 'lib/adapters'], forbiddenPackages: /^@aws-sdk\// },
  { prefix: 'lib/runtime', may: ['lib/core', 'lib/adapters', 'lib/alarms', 'lib/reports', 'probes', 'lib/runtime/handler-env.ts', 'lib/runtime/function-calls.ts'] },
  // The env names are the one part of the runtime the stack needs; the file imports nothing.
  { prefix: 'lib/runtime/handler-env.ts', may: [] },
  // The env names too: `window --source aws` reads the deployment's bucket and endpoint by the names the functions use.
  { prefix: 'lib/cli', may: ['lib/core', 'lib/adapters', 'lib/alarms', 'lib/reports', 'lib/runtime', 'lib/runtime/handler-env.ts', 'sandbox'] },
  // What each function's code sends to AWS, composed from the adapters' declarations: the stack grants exactly that (cdk/grants.ts).
  { prefix: 'lib/runtime/function-calls.ts', may: ['lib/core', 'lib/adapters'] },
  { prefix: 'cdk', may: ['lib/core', 'lib/alarms', 'lib/reports', 'lib/runtime/handler-env.ts', 'lib/runtime/function-calls.ts'] },
  { prefix: 'sandbox', may: [], typeOnly: ['lib/core'] },
];

export interface ImportRef {
  /** The specifier as written. */
  specifier: string;
  typeOnly: boolean;
  line: number;
}

const IMPORT = /(?:^|\n)\s*(import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Every module a source text imports, with whether only types are taken. */
export function importsOf(source: string): ImportRef[] {
  const out: ImportRef[] = [];
  for (const m of source.matchAll(IMPORT)) {
    const specifier = m[3] ?? m[4];
    if (!specifier) continue;
    const at = m.index + (m[0].startsWith('\n') ? 1 : 0);
    out.push({ specifier, typeOnly: !!m[2], line: source.slice(0, at).split('\n').length });
  }
  return out;
}

function layerOf(file: string, layers: readonly Layer[]): Layer | null {
  let best: Layer | null = null;
  for (const l of layers) if ((file === l.prefix || file.startsWith(`${l.prefix}/`)) && (!best || l.prefix.length > best.prefix.length)) best = l;
  return best;
}

/** The problems of one file's imports: `file:line imports target (layer → layer)`. */
export function checkFile(file: string, source: string, layers: readonly Layer[] = LAYERS): string[] {
  const own = layerOf(file, layers);
  if (!own) return [];
  const problems: string[] = [];
  for (const ref of importsOf(source)) {
    if (!ref.specifier.startsWith('.')) {
      if (own.forbiddenPackages?.test(ref.specifier)) problems.push(`${file}:${ref.line} imports ${ref.specifier}, which ${own.prefix}/ must not use`);
      continue;
    }
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), ref.specifier));
    const theirs = layerOf(target, layers);
    if (!theirs || theirs === own) continue;
    if (own.may.includes(theirs.prefix)) continue;
    if (ref.typeOnly && own.typeOnly?.includes(theirs.prefix)) continue;
    problems.push(`${file}:${ref.line} imports ${target} (${own.prefix} may not import ${theirs.prefix})`);
  }
  return problems;
}

/** Import cycles among the given files (each cycle once, as `a → b → a`). */
export function cyclesOf(files: ReadonlyMap<string, string>): string[] {
  const edges = new Map<string, string[]>();
  for (const [file, source] of files) {
    const targets = importsOf(source)
      .filter((r) => r.specifier.startsWith('.'))
      .map((r) => path.posix.normalize(path.posix.join(path.posix.dirname(file), r.specifier)))
      .filter((t) => files.has(t));
    edges.set(file, targets);
  }
  const cycles = new Set<string>();
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string) => {
    state.set(f, 'open');
    stack.push(f);
    for (const t of edges.get(f) ?? []) {
      if (state.get(t) === 'open') {
        const cycle = stack.slice(stack.indexOf(t));
        // One spelling per cycle: start at its smallest file.
        const start = cycle.indexOf([...cycle].sort()[0]!);
        const turned = [...cycle.slice(start), ...cycle.slice(0, start)];
        cycles.add([...turned, turned[0]].join(' → '));
      } else if (!state.has(t)) visit(t);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of [...files.keys()].sort()) if (!state.has(f)) visit(f);
  return [...cycles];
}

/** The TypeScript and .mjs sources under the layered folders, by repository-relative path. */
export function readSources(root: string, folders: readonly string[] = ['lib', 'probes', 'cdk', 'sandbox']): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(rel);
      else if (/\.(ts|mjs)$/.test(entry.name)) out.set(rel, readFileSync(path.join(root, rel), 'utf8'));
    }
  };
  for (const f of folders) walk(f);
  return out;
}
