/**
 * The shape of the code stays as README "Architecture" draws it: each layer imports only the
 * layers below it, only the composition roots (lib/runtime/) import probes/, the probes never
 * use the AWS SDK, the stack never loads a probe, and no import circle exists.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkFile, cyclesOf, importsOf, LAYERS, readSources } from '../support/layers.ts';

const root = path.resolve(import.meta.dirname, '../..');
const sources = readSources(root);

describe('the layers', () => {
  it('holds every file of lib/, probes/, cdk/ and sandbox/ to the layer table', () => {
    expect(sources.size).toBeGreaterThan(80);
    const problems = [...sources].flatMap(([file, text]) => checkFile(file, text));
    expect(problems).toEqual([]);
  });

  it('has no import circle', () => {
    expect(cyclesOf(sources)).toEqual([]);
  });

  it('gives every source file a layer', () => {
    const prefixes = LAYERS.map((l) => l.prefix);
    const unplaced = [...sources.keys()].filter((f) => !prefixes.some((p) => f === p || f.startsWith(`${p}/`)));
    // lib/cli/bin.mjs is inside lib/cli; nothing may sit loose in lib/ itself.
    expect(unplaced).toEqual([]);
  });

  it('would refuse a report, the alarm policy or the CLI importing probes/, and the stack loading a handler', () => {
    const cases: [string, string][] = [
      ['lib/reports/sla/compute.ts', "import { JOURNEY_STEPS } from '../../../probes/journey/forloebsplan.ts';"],
      ['lib/alarms/policy.ts', "import type { JourneyContext } from '../../probes/journey/forloebsplan.ts';"],
      ['lib/cli/run.ts', "const { probeSync } = await import('../../probes/sync.ts');"],
      ['cdk/probe-functions.ts', "import { createHandlers } from '../lib/runtime/lambda-handlers.ts';"],
      ['lib/core/config.ts', "import { LocalStore } from '../adapters/local-store.ts';"],
      ['sandbox/server.ts', "import { parseConfig } from '../lib/core/config.ts';"],
    ];
    for (const [file, line] of cases) expect(checkFile(file, `${line}\n`), `${file}: ${line}`).toHaveLength(1);
    expect(checkFile('probes/sync.ts', "import { S3Client } from '@aws-sdk/client-s3';\n")).toEqual([
      'probes/sync.ts:1 imports @aws-sdk/client-s3, which probes/ must not use',
    ]);
  });

  it('lets the composition roots import probes/, and the sandbox take the config type only', () => {
    expect(checkFile('lib/runtime/monitor.ts', "import { probeSync } from '../../probes/sync.ts';\n")).toEqual([]);
    expect(checkFile('sandbox/server.ts', "import type { Config } from '../lib/core/config.ts';\n")).toEqual([]);
    expect(checkFile('cdk/probe-functions.ts', "import { HANDLER_ENV } from '../lib/runtime/handler-env.ts';\n")).toEqual([]);
  });

  it('reads multi-line, type-only and dynamic imports, and finds a circle', () => {
    const refs = importsOf("import {\n  a,\n  b,\n} from './x.ts';\nimport type { C } from '../y.ts';\nexport { d } from './z.ts';\nawait import('./w.ts');\n");
    expect(refs.map((r) => [r.specifier, r.typeOnly, r.line])).toEqual([
      ['./x.ts', false, 1],
      ['../y.ts', true, 5],
      ['./z.ts', false, 6],
      ['./w.ts', false, 7],
    ]);
    const circle = new Map([
      ['lib/cli/run.ts', "import { runSchedule } from './schedule.ts';"],
      ['lib/cli/schedule.ts', "import { cliMonitor } from './run.ts';"],
    ]);
    expect(cyclesOf(circle)).toEqual(['lib/cli/run.ts → lib/cli/schedule.ts → lib/cli/run.ts']);
  });
});
