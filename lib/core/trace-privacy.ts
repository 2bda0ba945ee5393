/**
 * A Playwright trace (trace.zip) with the test patient's CPR masked in every entry. The trace is
 * the browser's own record of a failed run: launch and API URLs, request and response bodies, DOM
 * snapshots, all holding the CPR. It goes to S3 and is linked from the pages sent to people, so it
 * leaves the monitor with the CPR masked like everything else it writes (privacy.ts).
 */
import { createHash } from 'node:crypto';
import { unzipSync, zipSync, type Zippable } from 'fflate';
import { maskCpr } from './privacy.ts';

// How a URL, a form body or a snapshot may write the hyphen between date and serial: not at all,
// as itself, or percent-encoded once or twice (a URL carried inside another URL's query).
const SEPARATOR = '(-|%2[dD]|%252[dD])?';

/**
 * Every form of `cpr` (ten digits, as `journey.cpr` holds it) a trace can carry: bare, hyphenated,
 * and with the hyphen percent-encoded (`2512489996`, `251248-9996`, `251248%2D9996`), as a global
 * pattern whose first group is the separator as written. Throws when `cpr` is no CPR: ten digits
 * whose first six are a date, the shape {@link maskCpr} masks.
 */
function cprPattern(cpr: string): RegExp {
  const date = cpr.slice(0, 6);
  const serial = cpr.slice(6);
  // privacy.ts decides what a CPR looks like; a value it would not mask elsewhere is a config
  // error here too, and a trace that cannot be masked is not kept.
  if (!/^\d{10}$/.test(cpr) || maskCpr(`${date}-${serial}`) !== `${date}-xxxx`) throw new Error('the journey CPR is not a CPR (ten digits, the first six a date)');
  // No digit boundaries, unlike maskCpr: this one number may not survive anywhere in the trace,
  // and the chance that it sits inside some longer number of Playwright's is nil.
  return new RegExp(`${date}${SEPARATOR}${serial}`, 'g');
}

/**
 * The trace `zip` with `cpr` masked in every entry, in every form {@link cprPattern} knows: the
 * serial becomes `xxxx`, the date and the separator stay as written (`251248xxxx`,
 * `251248-xxxx`, `251248%2Dxxxx`; `251248-xxxx` is privacy.ts's masked form), so every masked
 * entry keeps its length. Entries keep their order and their names, but for one kind: Playwright
 * names a resource by the SHA-1 of its content (`resources/<sha1>.json`), and the SHA-1 of a
 * masked body's original gives the CPR back to anyone who tries the 10,000 serials, so such a
 * resource, once masked, is named by the SHA-1 of its masked content (as Playwright would have
 * named it), and every reference to it in the other entries follows. A trace without the CPR
 * comes back as the same bytes. Throws when `zip` is no zip fflate can read, or `cpr` no CPR:
 * the caller then keeps no trace.
 *
 * Which entries are rewritten is decided by their content, not their names: an entry is
 * rewritten exactly where its bytes spell the CPR. Text (the `.trace`, `.network` and `.stacks`
 * JSON lines; HTML, JSON, JS, CSS and text under `resources/`) is UTF-8, in which these ASCII
 * bytes only ever stand for these characters, so masking bytes is masking its text. A binary
 * entry (an image) spells no CPR by chance and stays byte for byte as it is; one that does spell
 * it (a PDF's text, an image's metadata) is masked too, in place, so a PDF's offsets still hold.
 */
export function maskCprInTrace(zip: Uint8Array, cpr: string): Uint8Array {
  const pattern = cprPattern(cpr);
  const names: string[] = [];
  // The filter sees the entries in the zip's order: the order to write them back in.
  const original = unzipSync(zip, {
    filter: (file) => {
      names.push(file.name);
      return true;
    },
  });
  if (names.length !== Object.keys(original).length) throw new Error('the trace holds two entries of one name');
  const entries = names.map((name) => ({ name, data: maskBytes(original[name]!, pattern) }));
  if (entries.every((e) => e.data === original[e.name])) return zip; // unchanged: exactly as Playwright wrote it
  renameHashNamed(entries, original);
  // An object keeps the order its keys were added in unless a key looks like an array index;
  // Playwright's entry names are paths (`trace.trace`, `resources/<sha1>.html`), never that.
  const out: Zippable = {};
  for (const e of entries) out[e.name] = e.data;
  return zipSync(out);
}

/** `resources/<sha1>` with an optional extension: the SHA-1 is the content's, in hex. */
const HASH_NAMED = /^(resources\/)([0-9a-f]{40})(\.[^/]*)?$/;

interface Entry {
  name: string;
  data: Uint8Array;
}

/**
 * Gives each resource that Playwright named by its content's SHA-1, and whose content changed,
 * the SHA-1 of its content now, and rewrites every reference to the old name (the hex digits of a
 * SHA-1 stand for nothing else in a trace). A reference rewritten inside another such resource
 * changes that one's content too, hence the rounds; content addressing admits no circle, so they end.
 */
function renameHashNamed(entries: Entry[], original: Readonly<Record<string, Uint8Array>>): void {
  const hashNamed = new Set(entries.filter((e) => HASH_NAMED.exec(e.name)?.[2] === sha1(original[e.name]!)));
  for (let round = 0; round <= entries.length; round++) {
    const renames = new Map<string, string>();
    for (const e of hashNamed) {
      const [, folder, hash, ext] = HASH_NAMED.exec(e.name)!;
      const now = sha1(e.data);
      if (now === hash) continue;
      renames.set(hash!, now);
      e.name = `${folder}${now}${ext ?? ''}`;
    }
    if (renames.size === 0) return;
    const refs = new RegExp([...renames.keys()].join('|'), 'g');
    for (const e of entries) e.data = replaceBytes(e.data, refs, (hash) => renames.get(hash)!);
  }
  throw new Error('the trace\'s resources name each other in a circle');
}

function sha1(data: Uint8Array): string {
  return createHash('sha1').update(data).digest('hex');
}

/** `data` with the pattern's matches masked; the same array when there is none. */
function maskBytes(data: Uint8Array, pattern: RegExp): Uint8Array {
  // A match starts with the six digits of the date, then the separator as written.
  return replaceBytes(data, pattern, (m, separator) => `${m.slice(0, 6)}${separator ?? ''}xxxx`);
}

/**
 * `data` with the (global) pattern's matches replaced by ASCII text, `by` given each match and its
 * first group; the same array when there is none.
 */
function replaceBytes(data: Uint8Array, pattern: RegExp, by: (match: string, group?: string) => string): Uint8Array {
  // latin1 maps each byte to one character and back, so every byte outside a match survives as it was.
  const text = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('latin1');
  pattern.lastIndex = 0;
  if (!pattern.test(text)) return data;
  return new Uint8Array(Buffer.from(text.replace(pattern, by), 'latin1'));
}
