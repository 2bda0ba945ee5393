/**
 * Structured logs as JSON lines on stderr, so stdout stays for the table or the one JSON
 * document. Messages pass through CPR masking: a log line is personal-data free by construction.
 */
import type { Logger } from '../core/context.ts';
import { redact } from '../core/privacy.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

export function createLogger(level: LogLevel = 'warn', write: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Logger {
  const at = (lvl: Exclude<LogLevel, 'silent'>) => (message: string, fields?: Record<string, unknown>) => {
    if (ORDER[lvl] < ORDER[level]) return;
    write(JSON.stringify(redact({ time: new Date().toISOString(), level: lvl, message, ...fields })));
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export const silentLogger: Logger = createLogger('silent');
