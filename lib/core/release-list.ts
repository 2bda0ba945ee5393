/**
 * The list of release verdicts, whichever store keeps it (the local `<store.dir>/releases.json`,
 * or the deployment's `state/<environment>/releases.json` in the artifacts bucket): the same
 * JSON array of release records, oldest first, the last {@link KEPT_RELEASES} kept. Pure: the
 * stores read and write, this parses, merges and picks.
 */
import type { ReleaseRecord, StoreRecord } from './records.ts';
import { STATE_PREFIX } from './windows.ts';

/** Verdicts kept: about ten years of quarterly releases with a few canaries each. */
export const KEPT_RELEASES = 200;

/** The deployment's release verdicts in the artifacts bucket. */
export function releasesKey(environment: string): string {
  return `${STATE_PREFIX}${environment}/releases.json`;
}

/** Thrown when the text is not a list of release verdicts; the message names `where`. */
export class ReleaseListError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReleaseListError';
  }
}

/** Parses a stored list; throws naming `where` when it is not JSON or not a list of releases. */
export function parseReleaseList(text: string, where: string): ReleaseRecord[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ReleaseListError(`${where}: not valid JSON (${(err as Error).message}); move it away to start a new release history`);
  }
  if (!Array.isArray(raw) || !raw.every((r) => r && typeof r === 'object' && (r as ReleaseRecord).type === 'release' && typeof (r as ReleaseRecord).version === 'string'))
    throw new ReleaseListError(`${where}: not a list of release verdicts`);
  return raw as ReleaseRecord[];
}

/** The release records among `records` (a sink gets every record of a run). */
export function releaseRecordsOf(records: readonly StoreRecord[]): ReleaseRecord[] {
  return records.filter((r): r is ReleaseRecord => r.type === 'release');
}

/** `list` with `added`, by time, the last {@link KEPT_RELEASES}. */
export function mergeReleases(list: readonly ReleaseRecord[], added: readonly ReleaseRecord[]): ReleaseRecord[] {
  return [...list, ...added].sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp)).slice(-KEPT_RELEASES);
}

/** The newest passing verdict, if any. */
export function lastVerifiedOf(list: readonly ReleaseRecord[]): ReleaseRecord | undefined {
  return list.filter((r) => r.verdict === 'pass').at(-1);
}

/** The list as stored. */
export function serializeReleases(list: readonly ReleaseRecord[]): string {
  return `${JSON.stringify(list, null, 2)}\n`;
}
