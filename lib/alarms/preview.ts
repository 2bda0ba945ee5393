/**
 * The pages one run's verdict would send if its failures persisted, and what it would hold back
 * as symptoms: `notify preview` prints them, and the fault matrix checks every row's page.
 */
import path from 'node:path';
import type { Config } from '../core/config.ts';
import { openWindow, type RuntimeWindow } from '../core/windows.ts';
import type { ClassifiedResult, FailureClass } from '../core/result.ts';
import { FailingStretches } from './failing.ts';
import { buildNotification, type Notification } from './notification.ts';
import { alarmPolicy, pageRunbook } from './policy.ts';

/** What the verdict of one run would page, and what it holds back. */
export interface Preview {
  pages: Notification[];
  heldBack: { class: FailureClass; owner: string; by: string }[];
}

/**
 * The pages a verdict would send if its failures persisted: one per failing class whose paging
 * composite is not held back by a failing root cause (the composites' `suppressedBy`) or by an
 * open maintenance window, the config's or a run-time one (`runtime`, `flp-monitor window`).
 */
export function previewPages(config: Config, results: readonly ClassifiedResult[], at: Date, runtime: readonly RuntimeWindow[] = []): Preview {
  const policy = alarmPolicy(config, { minPeriodSeconds: 1 });
  const classOf = new Map(policy.alarms.map((a) => [a.id, a.class]));
  const failing = new Set(results.filter((r) => !r.ok && r.class).map((r) => r.class!));
  const window = openWindow(config.maintenance, runtime, at);
  const stretches = new FailingStretches();
  stretches.observe(results, at);
  const pages: Notification[] = [];
  const heldBack: Preview['heldBack'] = [];
  // A composite pages for the failures of its class that are its owner's: a class's one owner, or each vendor's own lps.
  const failingOwned = new Set(results.filter((r) => !r.ok && r.class).map((r) => `${r.class} ${r.owner}`));
  for (const c of policy.composites.filter((c) => c.severity === 'page' && failingOwned.has(`${c.class} ${c.owner}`))) {
    const roots = c.suppressedBy.filter((id) => id !== policy.maintenanceAlarmId && failing.has(classOf.get(id)!));
    if (window) heldBack.push({ class: c.class, owner: c.owner, by: `maintenance window "${window.reason}"` });
    else if (roots.length) heldBack.push({ class: c.class, owner: c.owner, by: `a symptom of ${[...new Set(roots.map((id) => classOf.get(id)))].join(', ')}` });
    else
      pages.push(
        buildNotification({
          environment: config.environment,
          change: { alarmId: c.id, class: c.class, owner: c.owner, severity: c.severity, state: 'ALARM', at, runbook: pageRunbook(policy, c) },
          results,
          failing: stretches.current,
          links: config.notify.dashboardUrl ? [{ label: 'dashboard', url: config.notify.dashboardUrl }] : [],
          artifactLink: localArtifactLink(config),
        }),
      );
  }
  return { pages, heldBack };
}

/** A local artifact (a path under `artifacts.dir`) as the file a person opens. */
export function localArtifactLink(config: Pick<Config, 'artifacts'>): (artifact: string) => { label: string; url: string }[] {
  return (artifact) => [{ label: artifact.split('/').pop()!, url: path.join(config.artifacts.dir, artifact) }];
}
