/**
 * `flp-monitor notify test` sends a test page through each configured channel and reports what
 * each answered; `flp-monitor notify preview` runs every probe once and prints the pages the
 * verdict would send now, and the ones held back as symptoms.
 */
import { loadConfig } from '../core/config.ts';
import type { ClassifiedResult } from '../core/result.ts';
import { alarmPolicy } from '../alarms/policy.ts';
import { namedChannels, type Delivery } from '../alarms/channels.ts';
import { testNotification } from '../alarms/notification.ts';
import { previewPages } from '../alarms/preview.ts';
import { cliMonitor } from '../runtime/cli-monitor.ts';
import { LocalWindowStore } from '../adapters/window-store.ts';
import type { RuntimeWindow } from '../core/windows.ts';
import { PageNotifier } from '../runtime/page-notifier.ts';
import { UsageError } from './errors.ts';
import { ensureBrowser, type Io } from './io.ts';

export async function notifyTestCommand(opts: { config: string; channel?: string; json?: boolean }, io: Io): Promise<number> {
  const config = await loadConfig(opts.config);
  const all = namedChannels(config);
  if (!all.length) throw new UsageError(`${config.file}: notify.channels is empty; add a channel (README "Notifications") to test it`);
  const channels = opts.channel ? all.filter((c) => c.name === opts.channel) : all;
  if (!channels.length) throw new UsageError(`--channel ${opts.channel}: no such channel; the configured ones are ${all.map((c) => c.name).join(', ')}`);
  const notifier = await PageNotifier.create(config, alarmPolicy(config, { minPeriodSeconds: 1 }));
  const now = new Date();
  const deliveries = await notifier.deliver(testNotification(config.environment, config.owners.monitor, now), channels);
  // PagerDuty opens an incident for the test: resolve it at once under the same key.
  const pd = channels.filter((c) => c.type === 'pagerduty' && deliveries.some((d) => d.channel === c.name && d.ok));
  const resolves = pd.length ? await notifier.deliver(testNotification(config.environment, config.owners.monitor, new Date(), 'resolve'), pd) : [];
  const failed = [...deliveries, ...resolves].filter((d) => !d.ok);
  if (opts.json) io.out(`${JSON.stringify({ ok: failed.length === 0, deliveries, resolves }, null, 2)}\n`);
  else {
    for (const d of deliveries) io.out(`${deliveryLine(d)}\n`);
    for (const d of resolves) io.out(`${deliveryLine(d)} (the test incident resolved)\n`);
    io.out(failed.length ? `${failed.length} of ${deliveries.length + resolves.length} deliveries failed\n` : `every channel answered: ${deliveries.length} delivered\n`);
  }
  return failed.length ? 1 : 0;
}

function deliveryLine(d: Delivery): string {
  const tries = `${d.attempts} ${d.attempts === 1 ? 'attempt' : 'attempts'}`;
  return d.ok ? `${d.channel} (${d.type}): delivered, ${d.status} after ${tries} (${d.durationMs} ms)` : `${d.channel} (${d.type}): FAILED: ${d.error ?? `status ${d.status}`}`;
}

export async function notifyPreviewCommand(opts: { config: string; json?: boolean }, io: Io): Promise<number> {
  const config = await loadConfig(opts.config);
  if (!ensureBrowser(config, io)) return 2;
  const monitor = cliMonitor(config);
  let results: ClassifiedResult[];
  try {
    results = (await monitor.runOnce()).results;
  } finally {
    await monitor.close();
  }
  // The local run-time windows hold pages back as the config's do (the run itself recorded them the same way).
  const runtime = await new LocalWindowStore(config.store.dir).list().catch((e: Error): RuntimeWindow[] => {
    io.err(`flp-monitor: note: ${e.message}; run-time maintenance windows count as none\n`);
    return [];
  });
  const preview = previewPages(config, results, new Date(), runtime);
  if (opts.json) io.out(`${JSON.stringify(preview, null, 2)}\n`);
  else {
    if (!preview.pages.length) io.out(results.every((r) => r.ok) ? 'nothing would page: every probe passed\n' : 'nothing would page now\n');
    io.out(preview.pages.map((n) => `${n.text}\n`).join('\n---\n\n'));
    for (const h of preview.heldBack) io.out(`held back: ${h.class} (${h.owner}), ${h.by}\n`);
  }
  return preview.pages.length ? 1 : 0;
}
