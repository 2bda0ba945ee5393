/**
 * `npm start`: the embedded default. Starts the bundled sandbox when the config has a
 * "sandbox" section, then monitors the target on schedule with a live status table.
 */
import { loadConfig } from '../core/config.ts';
import { startConfiguredSandbox } from './sandbox.ts';
import { ensureBrowser, type Io } from './io.ts';
import { runSchedule, type ScheduleOptions } from './schedule.ts';

export async function startCommand(opts: { config: string }, io: Io, schedule: Omit<ScheduleOptions, 'header'> = {}): Promise<number> {
  const config = await loadConfig(opts.config);
  if (!ensureBrowser(config, io)) return 2;
  const started = config.sandbox ? await startConfiguredSandbox(config) : null;
  try {
    return await runSchedule(config, io, { ...schedule, header: started?.header ?? [`target: ${config.target.baseUrl}`] });
  } finally {
    await started?.sandbox.close();
  }
}
