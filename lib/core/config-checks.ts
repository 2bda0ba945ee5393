/**
 * What the config's schema cannot check key by key: unique names (nodes, sync sources, channels,
 * LPS systems), windows that end after they start, channels with somewhere to post and owners
 * that exist, signed profiles with a key, and timeouts that cascade. Each problem names its property.
 */
import { DEFAULT_OWNERS, type ChannelType, type ParsedConfig as Parsed } from './config-schema.ts';

/** Every cross-field problem of a parsed config, in the order of its keys; none: an empty list. */
export function crossCheck(c: Parsed): string[] {
  const problems: string[] = [];
  const seen = new Map<string, number>();
  c.target.nodes.forEach((n, i) => {
    if (seen.has(n.name)) problems.push(`target.nodes[${i}].name: "${n.name}" is also the name of target.nodes[${seen.get(n.name)}]`);
    seen.set(n.name, i);
  });
  const sources = new Map<string, number>();
  c.sync.forEach((s, i) => {
    if (sources.has(s.source)) problems.push(`sync[${i}].source: "${s.source}" is listed twice (also sync[${sources.get(s.source)}])`);
    sources.set(s.source, i);
  });
  c.maintenance.windows.forEach((w, i) => {
    if (Date.parse(w.end) <= Date.parse(w.start)) problems.push(`maintenance.windows[${i}].end: ${w.end} is not after start ${w.start}`);
  });
  problems.push(...channelProblems(c), ...lpsProblems(c));
  if (c.timeouts.requestMs > c.timeouts.stepMs)
    problems.push(`timeouts.requestMs: ${c.timeouts.requestMs} is longer than timeouts.stepMs (${c.timeouts.stepMs}); a step must outlast its requests`);
  return problems;
}

/** The name a channel goes by: its own, or its type (`slack`, then `slack-2`, … for several of one type). */
export function channelNames(channels: readonly { type: ChannelType; name?: string | undefined }[]): string[] {
  const count = new Map<string, number>();
  return channels.map((ch) => {
    if (ch.name) return ch.name;
    const n = (count.get(ch.type) ?? 0) + 1;
    count.set(ch.type, n);
    return n === 1 ? ch.type : `${ch.type}-${n}`;
  });
}

function channelProblems(c: Parsed): string[] {
  const problems: string[] = [];
  const owners = new Set([...Object.values(DEFAULT_OWNERS), ...Object.values(c.owners).filter((v): v is string => !!v), ...c.lps.profiles.map((p) => p.vendor)]);
  const names = channelNames(c.notify.channels);
  const seen = new Map<string, number>();
  c.notify.channels.forEach((ch, i) => {
    const at = `notify.channels[${i}]`;
    const name = names[i]!;
    if (seen.has(name)) problems.push(`${at}.name: "${name}" is also the name of notify.channels[${seen.get(name)}]; give each channel its own name`);
    seen.set(name, i);
    for (const o of ch.owners) if (o !== '*' && !owners.has(o)) problems.push(`${at}.owners: "${o}" owns no failure class (owners are ${[...owners].join(', ')}, or "*" for all)`);
    if (ch.type === 'pagerduty') {
      if (!ch.routingKey && !ch.secretName) problems.push(`${at}: a pagerduty channel needs routingKey or secretName (the integration key of a PagerDuty service)`);
    } else if (!ch.url && !ch.secretName) problems.push(`${at}: a ${ch.type} channel needs url or secretName (the webhook it posts to)`);
  });
  return problems;
}

function lpsProblems(c: Parsed): string[] {
  const problems: string[] = [];
  const seen = new Map<string, number>();
  c.lps.profiles.forEach((p, i) => {
    const at = `lps.profiles[${i}]`;
    if (seen.has(p.system)) problems.push(`${at}.system: "${p.system}" is listed twice (also lps.profiles[${seen.get(p.system)}])`);
    seen.set(p.system, i);
    if (p.style === 'signed' && !p.key && !p.keySecretName && !c.aws.journeySecretName)
      problems.push(`${at}: a signed profile needs key, keySecretName, or lpsKeys.${p.system} in the journey secret (aws.journeySecretName): the vendor's shared HMAC key`);
    if (p.style !== 'signed' && (p.key || p.keySecretName)) problems.push(`${at}: only a signed profile takes a key (this one is ${p.style})`);
  });
  if (c.lps.profiles.length && !seen.has(c.journey.lpsSystem))
    problems.push(`journey.lpsSystem: "${c.journey.lpsSystem}" is not one of lps.profiles (${[...seen.keys()].join(', ')}); the journey launches with one of them`);
  return problems;
}
