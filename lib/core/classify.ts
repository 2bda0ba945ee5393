/**
 * The one place that turns evidence into a failure class, and a run's results into a verdict.
 * It reads signals a real target gives (socket and TLS codes, status codes with the response's
 * origin, page errors, timestamps), never texts only our sandbox prints.
 */
import { passSummary } from './summary.ts';
import type { ClassifiedResult, Evidence, FailureClass, ProbeKind, ProbeResult, Verdict } from './result.ts';

/**
 * Contract precedence (v2), root cause first: when one run sees several classes, the first in
 * this list is reported and the others are taken as its symptoms. `lps` comes after
 * `application`: while FLP itself is broken, clinics' refused launches say nothing about their
 * vendor. `monitor` comes last: a failure of flp-monitor itself says nothing about FLP, so any
 * real finding outranks it.
 */
export const PRECEDENCE: readonly FailureClass[] = ['infrastructure', 'release', 'sync', 'application', 'lps', 'monitor'];

/** Chromium net errors that mean the network or hosting, not the application. */
const CHROMIUM_INFRA = /^net::ERR_(NAME_NOT_RESOLVED|NAME_RESOLUTION_FAILED|CONNECTION_|ADDRESS_UNREACHABLE|EMPTY_RESPONSE|TIMED_OUT|INTERNET_DISCONNECTED|SSL_|CERT_|TUNNEL_CONNECTION_FAILED|SOCKET_|NETWORK_)/;

/** The class one piece of evidence points at, given the kind of probe that saw it. */
export function classifyEvidence(evidence: Evidence, kind: ProbeKind): FailureClass {
  switch (evidence.type) {
    case 'network':
    case 'tls':
    case 'database-down':
      return 'infrastructure';
    case 'timeout':
      // No byte at all: nothing behind the address answered (hosting). Once bytes flow, the
      // responder itself is slow: a sync status endpoint's body is the sync service's, any
      // other body (node health, the load balancer's /health, a journey request whose head
      // came but whose body trickles: a PDF, an API answer) and a slow journey step are the
      // application's.
      if (evidence.phase === 'first-byte') return 'infrastructure';
      if (evidence.phase === 'body') return kind === 'sync' ? 'sync' : 'application';
      return 'application';
    case 'http-status':
      // A sync status endpoint that errors is the sync service's failure, whoever relayed it.
      if (kind === 'sync') return 'sync';
      return evidence.origin === 'proxy' ? 'infrastructure' : 'application';
    case 'bad-response':
      return kind === 'sync' ? 'sync' : 'application';
    case 'request-failed':
      return evidence.failure && CHROMIUM_INFRA.test(evidence.failure) ? 'infrastructure' : 'application';
    case 'page-error':
    case 'missing-element':
    case 'app-error-shown':
      return 'application';
    case 'sync-failed':
    case 'sync-stale':
    case 'sync-malformed':
      return 'sync';
    case 'version-drift':
      return 'release';
    case 'launch-refused':
      // FLP refused a vendor's certified launch: FLP changed, KiAP's to fix.
      return 'application';
    case 'lps-refused':
      // Only one system refused while its certified launch passes is that vendor's LPS.
      return evidence.scope === 'system' ? 'lps' : 'application';
    case 'monitor':
      return 'monitor';
  }
}

/** A class's place in the precedence, root causes first; no class ranks after every class. */
export function rank(c: FailureClass | null): number {
  return c ? PRECEDENCE.indexOf(c) : PRECEDENCE.length;
}

/** The highest-precedence class among the given ones, or null when the list is empty. */
export function rootClass(classes: Iterable<FailureClass>): FailureClass | null {
  let best: FailureClass | null = null;
  for (const c of classes) if (best === null || rank(c) < rank(best)) best = c;
  return best;
}

/**
 * A failed result whose evidence names nothing (a probe bug) is blamed on the monitor rather
 * than on FLP: we never page an organisation without evidence.
 */
export function classifyResult(result: ProbeResult): FailureClass | null {
  if (result.ok) return null;
  return rootClass(result.evidence.map((e) => classifyEvidence(e, result.kind))) ?? 'monitor';
}

/**
 * Who owns a result of this class: the config's owner of the class, except `lps`, which belongs
 * to the vendor of the system whose launches are refused (the result's own evidence names it).
 */
export function ownerOf(result: Pick<ProbeResult, 'evidence' | 'observations'>, cls: FailureClass, owners: Record<FailureClass, string>): string {
  if (cls !== 'lps') return owners[cls];
  const refused = result.evidence.find((e) => e.type === 'lps-refused' && e.scope === 'system');
  return (refused?.type === 'lps-refused' ? refused.vendor : result.observations.vendor) ?? owners.lps;
}

export function classify(result: ProbeResult, owners: Record<FailureClass, string>): ClassifiedResult {
  const cls = classifyResult(result);
  return {
    ...result,
    class: cls,
    owner: cls ? ownerOf(result, cls, owners) : null,
    summary: result.ok ? passSummary(result) : (result.error ?? `${result.probe} failed`),
  };
}

/**
 * The verdict over the latest result of every probe: the root class by precedence, its owner,
 * and one line naming the failing probes of that class with their evidence, then the other
 * failing probes (by precedence, most often symptoms of the root cause).
 */
export function verdictOf(results: readonly ClassifiedResult[], owners: Record<FailureClass, string>): Verdict {
  const failed = results.filter((r) => !r.ok && r.class);
  const cls = rootClass(failed.map((r) => r.class as FailureClass));
  if (!cls) {
    const retried = results.filter((r) => r.attempts > 1).length;
    const note = retried ? ` (${retried} passed on retry)` : '';
    return { ok: true, class: null, owner: null, summary: `all ${results.length} checks passed${note}` };
  }
  const root = failed.filter((r) => r.class === cls);
  // `lps` is the vendor's: one vendor, or each of several named once.
  const owner = cls === 'lps' ? [...new Set(root.map((r) => r.owner ?? owners.lps))].join(', ') : owners[cls];
  const others = failed.filter((r) => r.class !== cls);
  const shown = root.slice(0, 2).map((r) => r.summary);
  const more = root.length > 2 ? `; +${root.length - 2} more ${cls}` : '';
  const also = others.length ? `; also failing: ${others.map((r) => `${r.probe} (${r.class})`).join(', ')}` : '';
  return { ok: false, class: cls, owner, summary: `${cls} (${owner}): ${shown.join('; ')}${more}${also}` };
}
