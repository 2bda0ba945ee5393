/**
 * One line saying what a passing probe saw, so a green table still carries the numbers an
 * on-call engineer checks first (versions, lag, certificate days, step times).
 */
import { formatAge } from './format.ts';
import type { ProbeResult } from './result.ts';
import { PROBE_IDS } from './contract.ts';

/**
 * How a pass that needed a retry says so: what the first attempt failed with (a transient
 * failure, cleared by the retry), or, without that line, which attempt passed.
 */
export function retriedNote(r: ProbeResult): string {
  if (r.attempts <= 1) return '';
  return r.observations.transient ? ` (passed on retry after: ${r.observations.transient})` : ` (passed on attempt ${r.attempts})`;
}

export function passSummary(r: ProbeResult): string {
  const o = r.observations;
  const retried = retriedNote(r);
  switch (r.kind) {
    case 'journey':
      return `${r.steps.map((s) => `${s.name} ${s.durationMs} ms`).join(', ')}${retried}`;
    case 'sync':
      return `state ${o.syncState ?? '?'}, last success ${o.lagSeconds !== undefined ? `${formatAge(o.lagSeconds)} ago` : 'unknown'}${retried}`;
    case 'node': {
      const parts = [o.version ? `version ${o.version}` : null, o.phases?.firstByteMs !== undefined ? `first byte ${Math.round(o.phases.firstByteMs)} ms` : null];
      if (o.certDaysLeft !== undefined) parts.push(`certificate ${o.certDaysLeft} days left`);
      if (r.probe === PROBE_IDS.loadBalancer && o.node) parts.push(`served by ${o.node}`);
      return `${parts.filter(Boolean).join(', ')}${retried}`;
    }
    case 'release':
      return r.error ?? 'versions agree';
    case 'launch':
      return `${o.system ?? r.probe} launch accepted (303)${o.phases?.totalMs !== undefined ? ` in ${Math.round(o.phases.totalMs)} ms` : ''}${retried}`;
    case 'lps':
      if (o.statsUnknown) return `launch statistics unknown: ${o.statsUnknown}`;
      if (!o.launches) return 'no real launches in the statistics window';
      return `${o.rejected ?? 0} of ${o.launches} real launches refused (${o.rejectedPercent ?? 0} %)`;
  }
}
