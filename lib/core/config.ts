/**
 * The monitor's configuration: one JSON file, validated once, every problem reported together
 * with the property it concerns. Defaults live in the schema below and in the README table.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { FAILURE_CLASSES, type FailureClass } from './result.ts';
import { crossCheck } from './config-checks.ts';
import { configSchema, DEFAULT_CONFIG_FILE, DEFAULT_OWNERS, DEFAULT_SELECTORS, type LaunchProfile, type ParsedConfig as Parsed } from './config-schema.ts';

export {
  CHANNEL_TYPES,
  configSchema,
  DEFAULT_CONFIG_FILE,
  DEFAULT_JOURNEY_RECHECK_SECONDS,
  DEFAULT_OWNERS,
  DEFAULT_SELECTORS,
  LAUNCH_STYLES,
  PAGERDUTY_EVENTS_URL,
  type ChannelConfig,
  type ChannelType,
  type LaunchProfile,
  type LaunchStyle,
  type RawConfig,
} from './config-schema.ts';
export { channelNames } from './config-checks.ts';

/** A validated config with defaults applied, owners complete and file paths absolute. */
export interface Config extends Omit<Parsed, '$schema' | 'owners' | 'journey'> {
  owners: Record<FailureClass, string>;
  journey: Omit<Parsed['journey'], 'selectors'> & { selectors: Record<keyof typeof DEFAULT_SELECTORS, string> };
  /** The file the config came from, or null when it was built in memory. */
  file: string | null;
}

/** Bad config: `problems` lists every one, each starting with the property it concerns. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(file: string | null, problems: string[]) {
    super(`${file ? `config ${file}` : 'config'} is not valid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

function describePath(p: PropertyKey[]): string {
  return p.map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i === 0 ? '' : '.'}${String(k)}`)).join('') || '(root)';
}

/** Validates a parsed JSON value; relative paths are taken from `baseDir`. Throws ConfigError. */
export function parseConfig(raw: unknown, options: { file?: string | null; baseDir?: string } = {}): Config {
  const file = options.file ?? null;
  const result = configSchema.safeParse(raw, { reportInput: true });
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      if (issue.code === 'unrecognized_keys') {
        const where = issue.path.length ? `${describePath(issue.path)}.` : '';
        const hint = issue.path.at(-1) === 'owners' ? ` (failure classes are ${FAILURE_CLASSES.join(', ')})` : '';
        return issue.keys.map((k) => `${where}${k}: unknown property${hint}`).join('\n  - ');
      }
      const message = issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : issue.message;
      return `${describePath(issue.path)}: ${message}`;
    });
    throw new ConfigError(file, problems);
  }
  // `$schema` is for editors only; nothing after validation sees it.
  const { $schema: _editorSchema, ...parsed } = result.data;
  const extra = crossCheck(parsed);
  if (extra.length) throw new ConfigError(file, extra);
  const baseDir = options.baseDir ?? (file ? path.dirname(file) : process.cwd());
  const abs = (p: string) => path.resolve(baseDir, p);
  const selectors = { ...DEFAULT_SELECTORS } as Record<keyof typeof DEFAULT_SELECTORS, string>;
  for (const [k, v] of Object.entries(parsed.journey.selectors)) if (v) selectors[k as keyof typeof DEFAULT_SELECTORS] = v;
  return {
    ...parsed,
    file,
    owners: { ...DEFAULT_OWNERS, ...(Object.fromEntries(Object.entries(parsed.owners).filter(([, v]) => v)) as Partial<Record<FailureClass, string>>) },
    journey: { ...parsed.journey, selectors },
    target: { ...parsed.target, caFile: parsed.target.caFile ? abs(parsed.target.caFile) : undefined },
    store: { dir: abs(parsed.store.dir) },
    artifacts: { dir: abs(parsed.artifacts.dir) },
  };
}

/** The launch profile the journey launches with: the one `journey.lpsSystem` names, or a `query` launch of that system (no profiles: the v1 launch). */
export function journeyProfile(config: Pick<Config, 'journey' | 'lps' | 'owners'>): LaunchProfile {
  return config.lps.profiles.find((p) => p.system === config.journey.lpsSystem) ?? { system: config.journey.lpsSystem, vendor: config.owners.lps, style: 'query' };
}

/**
 * Everyone a page can be for: the owners of the failure classes (`lps` aside: it has no owner of
 * its own) and each LPS vendor, once each, in that order. Topics, channels and the dashboard use it.
 */
export function allOwners(config: Pick<Config, 'owners' | 'lps'>): string[] {
  const classOwners = Object.entries(config.owners).filter(([cls]) => cls !== 'lps').map(([, o]) => o);
  return [...new Set([...classOwners, ...config.lps.profiles.map((p) => p.vendor)])];
}

/**
 * The config file's JSON Schema (draft-07, what editors read), generated from the zod schema
 * as input: keys with a default are optional and show it. What only code can check (URLs
 * that parse, unique node names, `requestMs` ≤ `stepMs`) stays with {@link parseConfig}: the
 * JSON Schema accepts a little more than flp-monitor does, never less.
 */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, { io: 'input', target: 'draft-7', unrepresentable: 'throw' });
  const { $schema, ...rest } = schema;
  return {
    $schema,
    title: 'flp-monitor config',
    description: 'flp-monitor.config.json: the synthetic transaction monitor for forløbsplaner (FLP). Keys and defaults: README "Configuration".',
    ...rest,
  };
}

/** Reads and validates a config file. Throws ConfigError naming the file and every problem. */
export async function loadConfig(file: string = DEFAULT_CONFIG_FILE): Promise<Config> {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (err as Error).message;
    throw new ConfigError(absolute, [`(file): cannot read ${absolute}: ${why}`]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(absolute, [`(file): not valid JSON: ${(err as Error).message}`]);
  }
  return parseConfig(raw, { file: absolute });
}
