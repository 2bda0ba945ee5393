/**
 * The config file's schema (zod): every key, its check and its default, with the constants the
 * defaults come from. What only code can check across keys is in config-checks.ts; validating
 * and loading a file is config.ts.
 */
import { z } from 'zod';
import { FAILURE_CLASSES, type FailureClass } from './result.ts';

/** The config file used when `--config` is not given, relative to the working directory. */
export const DEFAULT_CONFIG_FILE = 'flp-monitor.config.json';

/** Owners from the contract; a config's `owners` overrides any of them. */
export const DEFAULT_OWNERS: Record<FailureClass, string> = {
  infrastructure: 'PLSP',
  sync: 'PLSP',
  application: 'KiAP',
  release: 'KiAP',
  // Each LPS profile names its vendor, who owns that system's `lps` failures; this name is only
  // for an `lps` result that somehow names no vendor.
  lps: 'the LPS vendor',
  monitor: 'monitor-owner',
};

/** How an LPS launches FLP (contract v2 "Launch profiles"). */
export const LAUNCH_STYLES = ['query', 'form', 'signed'] as const;
export type LaunchStyle = (typeof LAUNCH_STYLES)[number];

const launchProfileSchema = z.strictObject({
  /** The `system` value this vendor's LPS sends. */
  system: z.string({ error: 'must be a string (the LPS system name the launch sends)' }).regex(/^[A-Za-z0-9._-]+$/, 'must be letters, digits, ".", "_" or "-"'),
  /** Who makes that LPS: the owner of its `lps` failures (its topic and channels get them). */
  vendor: z.string({ error: 'must be a string naming the LPS vendor' }).min(1, 'must name the vendor'),
  /** How it launches: `query` (GET), `form` (POST form fields) or `signed` (GET with ts and an HMAC-SHA256 sig). */
  style: z.enum(LAUNCH_STYLES, { error: `must be one of ${LAUNCH_STYLES.join(', ')}` }),
  /** `signed` only: the vendor's shared key, for local use. In AWS use `keySecretName`. */
  key: z.string().min(1, 'must not be empty').optional(),
  /** `signed` only: Secrets Manager secret holding the key (the bare value, or JSON `{ "key": … }`), read at run time, never in the template. */
  keySecretName: z.string().min(1, 'must not be empty').optional(),
});
export type LaunchProfile = z.output<typeof launchProfileSchema>;

/** The contract's selectors; a deployment whose markup differs overrides them in `journey.selectors`. */
export const DEFAULT_SELECTORS = {
  root: '[data-testid="forloebsplan"]',
  patientHeader: '[data-testid="patient-header"]',
  diagnoses: '[data-testid="diagnoses"]',
  diagnosis: '[data-testid="diagnosis"]',
  labResults: '[data-testid="lab-results"]',
  labResult: '[data-testid="lab-result"]',
  sourceFreshness: '[data-testid="source-freshness"]',
  appError: '[data-testid="app-error"]',
  createPlan: '[data-testid="create-plan"]',
  planSaved: '[data-testid="plan-saved"]',
  printPlan: '[data-testid="print-plan"]',
} as const;

// A refinement is code the JSON Schema cannot carry: `.meta` gives editors its nearest pattern.
const httpUrl = (what: string) =>
  z
    .string({ error: `must be a URL string (${what})` })
    .refine((s) => URL.canParse(s) && /^https?:$/.test(new URL(s).protocol), {
      message: `must be an http:// or https:// URL (${what})`,
    })
    .meta({ format: 'uri', pattern: '^https?://', description: `an http:// or https:// URL (${what})` });

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const isoTime = z
  .string({ error: 'must be an ISO 8601 time string' })
  .refine((v) => ISO_TIME.test(v) && !Number.isNaN(Date.parse(v)), {
    message: 'must be an ISO 8601 time with a zone, e.g. "2026-12-01T22:00:00+01:00"',
  })
  .meta({ pattern: ISO_TIME.source, description: 'an ISO 8601 time with a zone, e.g. "2026-12-01T22:00:00+01:00"' });

/** `schedule.journeyRecheckSeconds` when the config names none (capped at `schedule.journeySeconds`). */
export const DEFAULT_JOURNEY_RECHECK_SECONDS = 60;

const positiveInt = (what: string) =>
  z.number({ error: `must be a number (${what})` }).int(`must be a whole number (${what})`).positive(`must be greater than 0 (${what})`);

// Node's resolver takes addresses only: a DNS server named by a host name would need DNS itself.
const dnsServer = z
  .string({ error: 'must be an "address:port" string' })
  .regex(/^(\d{1,3}\.){3}\d{1,3}(:\d{1,5})?$|^\[[0-9a-fA-F:]+\](:\d{1,5})?$/, 'must be an IP address with an optional port, e.g. "127.0.0.1:8753" or "[::1]:53"');

const ownersShape = Object.fromEntries(FAILURE_CLASSES.map((c) => [c, z.string().min(1, 'must name an owner').optional()])) as Record<
  FailureClass,
  z.ZodOptional<z.ZodString>
>;

/** The channels a page can go to besides the owners' SNS topics (README "Notifications"). */
export const CHANNEL_TYPES = ['pagerduty', 'slack', 'teams', 'webhook'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

/** PagerDuty's Events API v2 endpoint; a service in PagerDuty's EU region names `https://events.eu.pagerduty.com/v2/enqueue`. */
export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

const channelSchema = z.strictObject({
  type: z.enum(CHANNEL_TYPES, { error: `must be one of ${CHANNEL_TYPES.join(', ')}` }),
  /** How the channel is named in logs, metrics and `notify test --channel`. Default: its type (then `<type>-2`, …). */
  name: z.string().regex(/^[A-Za-z0-9._-]+$/, 'must be letters, digits, ".", "_" or "-"').optional(),
  /** Whose pages it carries: owner names as `owners` gives them, or "*" for every owner. */
  owners: z.array(z.string().min(1, 'must name an owner or be "*"'), { error: 'must be a list of owner names, or ["*"]' }).min(1, 'must name at least one owner, or "*"'),
  /** Which severities it carries. Default: pages only. */
  severities: z.array(z.enum(['page', 'warning'], { error: 'must be "page" or "warning"' })).min(1).default(['page']),
  /** Where to post (Slack or Teams webhook, any URL for `webhook`; PagerDuty: default the public Events API). Local use; in AWS prefer `secretName`. */
  url: httpUrl('where the channel posts').optional(),
  /** PagerDuty's integration (routing) key. Local use; in AWS prefer `secretName`. */
  routingKey: z.string().min(1, 'must not be empty').optional(),
  /** Secrets Manager secret holding `url` and/or `routingKey` (JSON, or the bare value): read at run time in AWS, never in the template. */
  secretName: z.string().min(1, 'must not be empty').optional(),
});
export type ChannelConfig = z.output<typeof channelSchema>;

export const configSchema = z.strictObject({
  /** The JSON Schema an editor checks the file against (`flp-monitor config schema`); flp-monitor ignores it. */
  $schema: z.string({ error: 'must be a string: the path or URL of the JSON Schema, for editors' }).optional(),
  /** Names the deployment in metrics and reports (`prod`, `staging`, `sandbox`). */
  environment: z.string({ error: 'must be a string naming the environment, e.g. "prod"' }).min(1, 'must not be empty'),
  target: z.strictObject({
    baseUrl: httpUrl('the load balancer users go through'),
    nodes: z
      .array(
        z.strictObject({
          name: z.string({ error: 'must be a string naming the node' }).regex(/^[A-Za-z0-9._-]+$/, 'must be letters, digits, ".", "_" or "-"'),
          url: httpUrl('the node reached directly'),
        }),
        { error: 'must be a list of { name, url }' },
      )
      .min(1, 'must list at least one node'),
    /** The version every node must report; when absent, nodes need only agree with each other. */
    expectedVersion: z.string().min(1).optional(),
    /** PEM file of extra certificate authorities to trust (a private CA for internal hosts). */
    caFile: z.string().min(1).optional(),
    /** DNS servers (IP addresses, optional port) to resolve target names with instead of the system resolver. */
    dnsServers: z.array(dnsServer).min(1).optional(),
  }),
  journey: z.strictObject({
    enabled: z.boolean().default(true),
    clinic: z.string({ error: 'must be a string (the clinic number the LPS passes)' }).regex(/^\d+$/, 'must be digits'),
    cpr: z.string({ error: 'must be a string (the test patient CPR)' }).regex(/^\d{10}$/, 'must be 10 digits'),
    /** The LPS system the journey launches as; with `lps.profiles`, it names one of them and launches in its style. */
    lpsSystem: z.string({ error: 'must be a string (the LPS system name)' }).min(1),
    selectors: z
      .strictObject(Object.fromEntries(Object.keys(DEFAULT_SELECTORS).map((k) => [k, z.string().min(1).optional()])) as Record<
        keyof typeof DEFAULT_SELECTORS,
        z.ZodOptional<z.ZodString>
      >)
      .default({}),
  }),
  /** The LPS vendors' certified launches and their clinics' real launches (contract v2; README "Vendors"). */
  lps: z
    .strictObject({
      profiles: z.array(launchProfileSchema, { error: 'must be a list of { system, vendor, style }' }).default([]),
      /** The window of launch statistics each check reads (`/lps/launch-stats?minutes=`). */
      statsMinutes: z.number({ error: 'must be a number of minutes' }).int('must be a whole number of minutes').min(1, 'must be 1 to 60').max(60, 'must be 1 to 60').default(15),
      /** A system whose real launches are refused beyond this share (percent) in the window is failing. */
      maxRejectedPercent: z.number({ error: 'must be a number (percent)' }).min(0, 'must be 0 to 100').max(100, 'must be 0 to 100').default(20),
      /** Fewer real launches than this in the window and a system is not judged (a quiet night is not an outage). */
      minLaunches: positiveInt('launches').default(5),
    })
    .default({ profiles: [], statsMinutes: 15, maxRejectedPercent: 20, minLaunches: 5 }),
  sync: z
    .array(
      z.strictObject({
        source: z.string({ error: 'must be a string naming the source, e.g. "lab"' }).regex(/^[A-Za-z0-9_-]+$/, 'must be letters, digits, "_" or "-"'),
        url: httpUrl('the source status endpoint'),
        maxLagMinutes: z.number({ error: 'must be a number of minutes' }).positive('must be greater than 0'),
      }),
      { error: 'must be a list of { source, url, maxLagMinutes }' },
    )
    .default([]),
  timeouts: z
    .strictObject({
      /** One HTTP request, first byte to last. */
      requestMs: positiveInt('milliseconds').default(5000),
      /** One journey step. */
      stepMs: positiveInt('milliseconds').default(10000),
    })
    .default({ requestMs: 5000, stepMs: 10000 }),
  schedule: z
    .strictObject({
      journeySeconds: positiveInt('seconds').default(60),
      /** While the latest journey result fails, the journey runs again after this long (default: 60 s, or journeySeconds when that is shorter). */
      journeyRecheckSeconds: positiveInt('seconds').optional(),
      syncSeconds: positiveInt('seconds').default(60),
      nodesSeconds: positiveInt('seconds').default(60),
    })
    .default({ journeySeconds: 60, syncSeconds: 60, nodesSeconds: 60 })
    .refine((s) => s.journeyRecheckSeconds === undefined || s.journeyRecheckSeconds <= s.journeySeconds, {
      message: 'must be at most schedule.journeySeconds (a re-check comes sooner than the next scheduled journey)',
      path: ['journeyRecheckSeconds'],
    })
    .transform((s) => ({ ...s, journeyRecheckSeconds: s.journeyRecheckSeconds ?? Math.min(DEFAULT_JOURNEY_RECHECK_SECONDS, s.journeySeconds) })),
  retry: z
    .strictObject({
      /** Extra attempts for a failure that may be transient; 2 means two immediate retries (README, "Performance": what one retry leaves paging). */
      retries: z.number().int().min(0).max(3).default(2),
    })
    .default({ retries: 2 }),
  owners: z.strictObject(ownersShape, { error: `keys must be failure classes: ${FAILURE_CLASSES.join(', ')}` }).default({}),
  store: z.strictObject({ dir: z.string().min(1).default('.flp-monitor/') }).default({ dir: '.flp-monitor/' }),
  artifacts: z.strictObject({ dir: z.string().min(1).default('.flp-monitor/artifacts') }).default({ dir: '.flp-monitor/artifacts' }),
  /** Thresholds of the alarm policy (lib/alarms/policy.ts) that a deployment tunes. */
  alarms: z
    .strictObject({
      /** A journey step slower than this (Maximum over the journey interval) is an application warning. Default: half of timeouts.stepMs. */
      stepLatencyMs: positiveInt('milliseconds').optional(),
      /** Warn when a node's TLS certificate expires within this many days. */
      certWarningDays: positiveInt('days').default(21),
      /** Consecutive failing intervals before a class alarm fires (CloudWatch datapoints to alarm, of as many periods). */
      datapointsToAlarm: z.number().int().min(1).max(10).default(2),
    })
    .default({ certWarningDays: 21, datapointsToAlarm: 2 }),
  /** Planned maintenance (Europe/Copenhagen time): alarms are suppressed and SLA reports leave it out. */
  maintenance: z
    .strictObject({
      windows: z
        .array(
          z.strictObject({
            start: isoTime,
            end: isoTime,
            reason: z.string().min(1, 'must say why'),
          }),
        )
        .default([]),
      weekly: z
        .array(
          z.strictObject({
            day: z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], { error: 'must be mon, tue, wed, thu, fri, sat or sun' }),
            start: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a local time "HH:MM"'),
            durationMinutes: positiveInt('minutes'),
            reason: z.string().min(1, 'must say why'),
          }),
        )
        .default([]),
    })
    .default({ windows: [], weekly: [] }),
  /** The post-release canary (`flp-monitor canary`). */
  canary: z
    .strictObject({
      /** A step whose median or p95 exceeds its baseline by more than this factor is a regression. */
      latencyRegressionRatio: z.number().min(1, 'must be at least 1').default(1.5),
      /** Days of history before the release to take the latency baseline from. */
      baselineDays: positiveInt('days').default(7),
      /** Fewer baseline samples than this and the latency check says so instead of judging. */
      minBaselineSamples: positiveInt('samples').default(5),
      /** A regression must also be at least this much slower: fast steps (20 ms) jitter by more than any ratio. */
      minLatencyIncreaseMs: z.number().int().min(0).default(250),
    })
    .default({ latencyRegressionRatio: 1.5, baselineDays: 7, minBaselineSamples: 5, minLatencyIncreaseMs: 250 }),
  /** The availability report (`flp-monitor sla`). */
  sla: z
    .strictObject({
      /** The availability PLSP promises, in percent. */
      targetPercent: z.number().min(0).max(100).default(99.5),
      /** When set, availability counts only these hours (Copenhagen time); otherwise all hours. */
      serviceHours: z
        .strictObject({
          days: z.array(z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], { error: 'must be mon, tue, wed, thu, fri, sat or sun' })).min(1),
          start: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a local time "HH:MM"'),
          end: z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'must be a local time "HH:MM" (24:00 allowed)'),
        })
        .optional(),
    })
    .default({ targetPercent: 99.5 }),
  /** The AWS deployment (cdk/). */
  aws: z
    .strictObject({
      /** CloudWatch namespace of every metric. */
      namespace: z.string().min(1).default('FLP/Synthetics'),
      /** Deploy into this VPC when FLP is reachable only from inside (private subnets with a NAT or endpoints). */
      vpc: z
        .strictObject({
          vpcId: z.string().regex(/^vpc-[0-9a-f]+$/, 'must be a VPC id, "vpc-…"'),
          subnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]+$/, 'must be a subnet id, "subnet-…"')).min(1),
          securityGroupIds: z.array(z.string().regex(/^sg-[0-9a-f]+$/, 'must be a security group id, "sg-…"')).default([]),
          availabilityZones: z.array(z.string().min(1)).min(1),
        })
        .optional(),
      /** Secrets Manager secret (name) holding journey credentials, read at run time; never in the template. */
      journeySecretName: z.string().min(1).optional(),
      /** Days failure artifacts (screenshots, traces) are kept in S3. */
      artifactsRetentionDays: positiveInt('days').default(30),
      /** Memory of the journey function (Chromium wants at least 1536). */
      journeyMemoryMb: z.number().int().min(1024).max(10240).default(2048),
      /** Memory of the sync and node functions. */
      httpMemoryMb: z.number().int().min(128).max(10240).default(256),
    })
    .default({ namespace: 'FLP/Synthetics', artifactsRetentionDays: 30, journeyMemoryMb: 2048, httpMemoryMb: 256 }),
  /** Where pages go (README "Notifications"): each owner's SNS topic in AWS, and these channels everywhere. */
  notify: z
    .strictObject({
      channels: z.array(channelSchema, { error: 'must be a list of { type, owners, … }' }).default([]),
      /** A link every page carries (a dashboard); in AWS the deployed CloudWatch dashboard is linked as well. */
      dashboardUrl: httpUrl('the dashboard on-call opens').optional(),
    })
    .default({ channels: [] }),
  /** When present, `npm start` runs the bundled sandbox on the ports the target URLs name. */
  sandbox: z
    .strictObject({
      adminPort: z.number().int().min(1).max(65535),
      version: z.string().min(1).default('2026.4.1'),
    })
    .optional(),
});

export type RawConfig = z.input<typeof configSchema>;
/** The schema's output: what the cross-field checks (config-checks.ts) read, before owners and paths are completed. */
export type ParsedConfig = z.output<typeof configSchema>;
