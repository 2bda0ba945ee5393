/**
 * Cost lines and estimates: a quantity priced at a key of the price table, rounded as the
 * report shows it; shared by flp-monitor's bill (model.ts) and its peers' (peers.ts).
 */
import { DAYS_PER_MONTH, GB } from './assumptions.ts';
import type { PriceKey, PriceTable } from './prices.ts';

export interface CostLine {
  service: string;
  item: string;
  quantity: number;
  unit: string;
  usd: number;
  price?: PriceKey;
}

export interface Estimate {
  totalUsd: number;
  lines: CostLine[];
}

export function estimate(lines: CostLine[]): Estimate {
  const rounded = lines.map((l) => ({ ...l, usd: Math.round(l.usd * 10_000) / 10_000 }));
  return { totalUsd: Math.round(lines.reduce((n, l) => n + l.usd, 0) * 100) / 100, lines: rounded };
}

/** A line priced at `key`: quantity × unit price. */
export function line(prices: PriceTable, service: string, item: string, quantity: number, key: PriceKey): CostLine {
  const p = prices[key];
  return { service, item, quantity: Math.round(quantity * 1000) / 1000, unit: p.unit, usd: quantity * p.usd, price: key };
}

export function logLines(prices: PriceTable, bytesPerMonth: number, retentionDays: number): CostLine[] {
  const gb = bytesPerMonth / GB;
  // Steady state: the retention window's worth of logs is stored at any time.
  return [
    line(prices, 'CloudWatch Logs', 'result and platform lines ingested', gb, 'logsIngestGb'),
    line(prices, 'CloudWatch Logs', `stored (${retentionDays} days)`, gb * (retentionDays / DAYS_PER_MONTH), 'logsStorageGbMonth'),
  ];
}

export function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function fmtBytes(n: number): string {
  return n >= 1024 * 1024 ? `${Math.round((n / 1024 / 1024) * 10) / 10} MB` : `${Math.round(n / 1024)} KB`;
}
