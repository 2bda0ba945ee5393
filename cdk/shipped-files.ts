/**
 * Files shipped beside a function's bundle in its code asset (`/var/task` in Lambda): the
 * config (`flp-config.json`) and a private CA (`flp-ca.pem`). Files, because Lambda allows 4 KB
 * of environment in all, and because the asset's hash is of its output, so a changed config or
 * CA deploys new code.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { Stage } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

export const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Writes `text` once under the cloud assembly (`<outdir>/.flp-shipped/`), named by its hash, and
 * returns the shell command CDK's local bundling runs to copy it into the bundle as `name`.
 */
export function shipText(scope: Construct, name: string, text: string): (outputDir: string) => string {
  const dir = path.join(Stage.of(scope)?.outdir ?? process.cwd(), '.flp-shipped');
  const staged = path.join(dir, `${createHash('sha256').update(text).digest('hex').slice(0, 16)}-${name}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(staged, text);
  return shipFile(staged, name);
}

/** The shell command that copies `file` into the bundle as `name`. */
export function shipFile(file: string, name: string): (outputDir: string) => string {
  return (outputDir) => `cp ${shellQuote(file)} ${shellQuote(path.join(outputDir, name))}`;
}
