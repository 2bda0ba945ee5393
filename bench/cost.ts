/**
 * `costMonthlyUsd`, `cwsMonthlyUsd`, `checklyMonthlyUsd`: the cost model (lib/reports/cost/model.ts,
 * `flp-monitor cost`) for the default config at production pace, with the model's documented
 * default durations (no local store is read: the figure is the same on every machine).
 */
import { costReport, journeyPaceTable } from '../lib/reports/cost/model.ts';
import { defaultDeploymentConfig, round, type BenchModule, type Figure } from './support.ts';

export const GOAL = 0.25;

export const cost: BenchModule = {
  name: 'cost',
  expectedSeconds: 1,
  async run({ log }): Promise<Figure[]> {
    const config = defaultDeploymentConfig();
    const report = costReport(config);
    const ratio = report.ratioToSynthetics;
    log(`cost: flp-monitor $${report.flpMonitor.totalUsd}, CloudWatch Synthetics $${report.cloudWatchSynthetics.totalUsd}, Checkly $${report.checkly.totalUsd} a month`);
    return [
      {
        key: 'costMonthlyUsd',
        label: 'flp-monitor a month, default config (vs CloudWatch Synthetics)',
        value: report.flpMonitor.totalUsd,
        shown: `$${report.flpMonitor.totalUsd.toFixed(2)} (${round(ratio, 2)} × Synthetics)`,
        goal: `≤ ${GOAL} × Synthetics`,
        met: ratio <= GOAL,
        details: {
          ratioToSynthetics: ratio,
          inputs: report.inputs,
          lines: report.flpMonitor.lines,
          assumptions: report.assumptions,
          journeyPaces: journeyPaceTable(config, [60, 300, 900]),
        },
      },
      {
        key: 'cwsMonthlyUsd',
        label: 'CloudWatch Synthetics a month, the same checks',
        value: report.cloudWatchSynthetics.totalUsd,
        shown: `$${report.cloudWatchSynthetics.totalUsd.toFixed(2)}`,
        goal: '-',
        met: null,
        details: { lines: report.cloudWatchSynthetics.lines },
      },
      {
        key: 'checklyMonthlyUsd',
        label: 'Checkly a month, the same checks (runs only, no plan fee)',
        value: report.checkly.totalUsd,
        shown: `$${report.checkly.totalUsd.toFixed(2)}`,
        goal: '-',
        met: null,
        details: { lines: report.checkly.lines },
      },
    ];
  },
};
