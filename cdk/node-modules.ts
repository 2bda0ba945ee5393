/**
 * Copies installed npm packages, with everything they need at run time, out of the project's
 * node_modules: into a Lambda layer (`nodejs/node_modules/...`) or next to a bundle. Offline:
 * it reads what `npm ci` installed and never asks a registry.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** One installed package: where it is, and where it sits relative to the project root. */
export interface InstalledPackage {
  name: string;
  version: string;
  /** Absolute directory of the package. */
  dir: string;
  /** `node_modules/...` relative to the project root, nesting kept (`node_modules/a/node_modules/b`). */
  relative: string;
}

/** A package the closure needs that is not installed. */
export class MissingPackageError extends Error {
  constructor(name: string, requiredBy: string | null, root: string) {
    super(
      requiredBy
        ? `${name} (needed by ${requiredBy}) is not installed under ${root}/node_modules; run npm ci`
        : `${name} is not installed under ${root}/node_modules; run npm ci (it is a devDependency of flp-monitor)`,
    );
    this.name = 'MissingPackageError';
  }
}

/** Resolves `name` from `fromDir` the way Node's `require` does: each ancestor's node_modules, up to `root`. */
function resolvePackageDir(name: string, fromDir: string, root: string): string | null {
  let dir = fromDir;
  for (;;) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (dir === root) return null;
    const up = path.dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

/**
 * The packages `names` need at run time: themselves, their `dependencies`, and whichever of
 * their `optionalDependencies` are installed (optional ones for other platforms are not).
 * Peer dependencies are the consumer's to install and are not followed. Sorted by path.
 */
export function runtimeClosure(names: readonly string[], root: string): InstalledPackage[] {
  const found = new Map<string, InstalledPackage>();
  const queue: { name: string; from: string; requiredBy: string | null; optional: boolean }[] = names.map((name) => ({ name, from: root, requiredBy: null, optional: false }));
  while (queue.length) {
    const next = queue.shift()!;
    const dir = resolvePackageDir(next.name, next.from, root);
    if (!dir) {
      if (next.optional) continue;
      throw new MissingPackageError(next.name, next.requiredBy, root);
    }
    if (found.has(dir)) continue;
    const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
      version?: string;
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    const pkg: InstalledPackage = { name: next.name, version: manifest.version ?? '0.0.0', dir, relative: path.relative(root, dir) };
    found.set(dir, pkg);
    const optional = manifest.optionalDependencies ?? {};
    for (const dep of Object.keys(manifest.dependencies ?? {})) queue.push({ name: dep, from: dir, requiredBy: next.name, optional: dep in optional });
    for (const dep of Object.keys(optional)) queue.push({ name: dep, from: dir, requiredBy: next.name, optional: true });
  }
  return [...found.values()].sort((a, b) => a.relative.localeCompare(b.relative));
}

/** A stable hash of a closure's names and versions: the asset hash of a layer built from it. */
export function closureHash(packages: readonly InstalledPackage[], salt = ''): string {
  const h = createHash('sha256').update(salt);
  for (const p of packages) h.update(`${p.relative}@${p.version}\n`);
  return h.digest('hex');
}

/** Copies each package to `<destRoot>/<relative>` (so `node_modules/...` nesting is kept). */
export function copyPackages(packages: readonly InstalledPackage[], destRoot: string): void {
  for (const p of packages) {
    const to = path.join(destRoot, p.relative);
    mkdirSync(path.dirname(to), { recursive: true });
    // Nested node_modules are copied as packages of their own; `.bin` links are of no use in Lambda.
    cpSync(p.dir, to, {
      recursive: true,
      dereference: true,
      filter: (src) => {
        const rel = path.relative(p.dir, src);
        return !rel.split(path.sep).includes('node_modules') && !rel.startsWith('.bin');
      },
    });
  }
}
