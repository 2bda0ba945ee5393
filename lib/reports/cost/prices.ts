/**
 * Every list price the cost model uses, in one place, each with where it was read and when.
 * Region: eu-central-1 (Frankfurt), the usual AWS region for a Danish deployment. Prices are
 * USD list prices without free tiers, discounts or tax. Where a price could not be confirmed for
 * the region, `status` says so and `note` gives the basis; every such assumption errs towards
 * making flp-monitor look dearer, or CloudWatch Synthetics cheaper, so the comparison does not
 * flatter us.
 *
 * To update: read the source again, change `usd` and `read`, and run the cost tests.
 */

/**
 * - `confirmed`: the figure was read in the source, for this region (or a region the source says it applies to).
 * - `us-east`: the figure was read for US East; the same list price is assumed in eu-central-1.
 * - `assumed`: not found in a source; `note` gives the basis.
 */
export type PriceStatus = 'confirmed' | 'us-east' | 'assumed';

export interface Price {
  /** USD per `unit`. */
  usd: number;
  unit: string;
  source: string;
  /** The date the source was read (YYYY-MM-DD). */
  read: string;
  status: PriceStatus;
  note?: string;
}

const READ = '2026-11-22';

const LAMBDA_PAGE = 'https://aws.amazon.com/lambda/pricing/';
const CLOUDWATCH_PAGE = 'https://aws.amazon.com/cloudwatch/pricing/';
const S3_PAGE = 'https://aws.amazon.com/s3/pricing/';
const CHECKLY_PAGE = 'https://docs.checklyhq.com/docs/monitoring/check-pricing';

/** The region the prices are for. */
export const PRICE_REGION = 'eu-central-1';

/** Hours in a billing month, as AWS's own calculator counts them (365 × 24 / 12). */
export const HOURS_PER_MONTH = 730;

export const PRICES = {
  lambdaRequest: {
    usd: 0.2 / 1e6,
    unit: 'request',
    source: LAMBDA_PAGE,
    read: READ,
    status: 'us-east',
    note: '$0.20 per 1M requests; the page states its examples in US East; the request price is the same in the EU regions as far as we know.',
  },
  lambdaX86GbSecond: {
    usd: 0.0000166667,
    unit: 'GB-second (x86_64)',
    source: LAMBDA_PAGE,
    read: READ,
    status: 'us-east',
    note: 'First tier (6 billion GB-s a month); figure also quoted by https://cloudchipr.com/blog/aws-lambda-pricing for US East.',
  },
  lambdaArmGbSecond: {
    usd: 0.0000133334,
    unit: 'GB-second (arm64)',
    source: LAMBDA_PAGE,
    read: READ,
    status: 'us-east',
    note: 'First tier (7.5 billion GB-s a month); figure also quoted by https://cloudchipr.com/blog/aws-lambda-pricing for US East.',
  },
  lambdaEphemeralGbSecond: {
    usd: 0.0000000309,
    unit: 'GB-second of /tmp above 512 MB',
    source: LAMBDA_PAGE,
    read: READ,
    status: 'assumed',
    note: 'The page says storage above the free 512 MB is billed per GB-second but the excerpt read showed no figure; US East list price as remembered. It adds cents at most.',
  },
  metricMonth: {
    usd: 0.3,
    unit: 'custom metric-month (first 10,000)',
    source: CLOUDWATCH_PAGE,
    read: READ,
    status: 'us-east',
    note: 'Also https://signoz.io/guides/cloudwatch-pricing ("$0.30/month for the first 10,000"). Billed per metric per hour it receives data, prorated.',
  },
  apiRequest: {
    usd: 0.01 / 1000,
    unit: 'PutMetricData request',
    source: CLOUDWATCH_PAGE,
    read: READ,
    status: 'us-east',
    note: '$0.01 per 1,000 requests (AWS Price List, usage type CW:Requests, read for us-east-2).',
  },
  standardAlarmMonth: {
    usd: 0.1,
    unit: 'standard-resolution alarm metric-month',
    source: 'https://amazonwebshark.com/unexpected-cloudwatch-in-the-billing-area (an AWS bill: "$0.10 Per Alarm Metric Month (Standard Resolution) - EU (Ireland)")',
    read: READ,
    status: 'confirmed',
    note: 'Read on a bill for eu-west-1 and eu-west-2; assumed the same in eu-central-1.',
  },
  compositeAlarmMonth: {
    usd: 0.5,
    unit: 'composite alarm-month',
    source: CLOUDWATCH_PAGE,
    read: READ,
    status: 'us-east',
    note: 'AWS Price List usage type CW:CompositeAlarmMonitorUsage, $0.50 (read for us-east-2); also https://c3x.dev/resources/aws/aws_cloudwatch_metric_alarm.',
  },
  dashboardMonth: {
    usd: 3,
    unit: 'dashboard-month (beyond 3 free)',
    source: CLOUDWATCH_PAGE,
    read: READ,
    status: 'us-east',
    note: 'Counted although the first three dashboards of an account are free.',
  },
  logsIngestGb: {
    usd: 0.63,
    unit: 'GB of logs ingested',
    source: CLOUDWATCH_PAGE,
    read: READ,
    status: 'assumed',
    note: 'US East is $0.50 (read); the Frankfurt figure $0.63 is as remembered, not read. Logs are a few cents here either way.',
  },
  logsStorageGbMonth: {
    usd: 0.0324,
    unit: 'GB-month of logs stored',
    source: CLOUDWATCH_PAGE,
    read: READ,
    status: 'assumed',
    note: 'US East is $0.03 (read); the Frankfurt figure is as remembered, not read.',
  },
  canaryRun: {
    usd: 0.0012,
    unit: 'CloudWatch Synthetics canary run',
    source: CLOUDWATCH_PAGE,
    read: READ,
    status: 'us-east',
    note:
      'US East list price (AWS Price List usage type CW:Canary-runs; also https://blog.mattsbit.co.uk/2023/11/11/aws-synthetics-canaries-when-to-bite-the-bullet/). ' +
      'Some regions charge more (Tokyo $0.0019); the Frankfurt figure was not found, so the lowest known is used: CloudWatch Synthetics is, if anything, shown too cheap.',
  },
  s3StandardGbMonth: {
    usd: 0.0245,
    unit: 'GB-month in S3 Standard',
    source: S3_PAGE,
    read: READ,
    status: 'assumed',
    note: 'Frankfurt figure as remembered (US East $0.023); artifacts are a few MB a month.',
  },
  s3Put: {
    usd: 0.0054 / 1000,
    unit: 'S3 PUT request',
    source: S3_PAGE,
    read: READ,
    status: 'assumed',
    note: 'Frankfurt figure as remembered (US East $0.005 per 1,000).',
  },
  s3Get: {
    usd: 0.00043 / 1000,
    unit: 'S3 GET request',
    source: S3_PAGE,
    read: READ,
    status: 'assumed',
    note: 'Frankfurt figure as remembered (US East $0.0004 per 1,000): the notifier reads three small documents per page.',
  },
  scheduledEvent: {
    usd: 0,
    unit: 'EventBridge scheduled rule invocation',
    source: `${CLOUDWATCH_PAGE} (free tier: "Events: All events except custom events are included"); AWS Billing docs, free-tier usage types: CloudWatch Events "ScheduledInvocation", Always Free`,
    read: READ,
    status: 'confirmed',
    note: 'Scheduled rules on the default bus are AWS events, not custom events: free. (EventBridge Scheduler, which the stack does not use, has its own price.)',
  },
  snsTopicMonth: {
    usd: 0,
    unit: 'SNS standard topic-month',
    source: 'https://aws.amazon.com/sns/pricing/',
    read: READ,
    status: 'us-east',
    note: 'A standard topic has no monthly fee: SNS bills requests and deliveries only. One topic per owner (each LPS vendor among them) and on-call\'s.',
  },
  snsPublish: {
    usd: 0.5 / 1e6,
    unit: 'SNS publish request',
    source: 'https://aws.amazon.com/sns/pricing/',
    read: READ,
    status: 'us-east',
    note: '"$0.50 per 1 million requests" for standard topics (first million a month free, not counted here); e-mail deliveries to subscribers are not counted.',
  },
  checklyBrowserRun: {
    usd: 5 / 1000,
    unit: 'Checkly browser check run',
    source: CHECKLY_PAGE,
    read: READ,
    status: 'confirmed',
    note: '"Browser: $5 per 1k runs", the prepaid-bundle base cost; each location and each retry is a run. The plan\'s monthly fee is not included.',
  },
  checklyApiRun: {
    usd: 2 / 10000,
    unit: 'Checkly API check run',
    source: CHECKLY_PAGE,
    read: READ,
    status: 'confirmed',
    note: '"API: $2 per 10k runs", the prepaid-bundle base cost; a multistep check costs the same per request. The plan\'s monthly fee is not included.',
  },
} as const satisfies Record<string, Price>;

export type PriceKey = keyof typeof PRICES;
export type PriceTable = Record<PriceKey, Price>;
