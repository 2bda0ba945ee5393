/**
 * Links into the AWS console that a page carries: the alarm that fired, the monitor's
 * dashboard, one failure artifact in the S3 console. Plain strings from a region and names;
 * opening them needs the reader's own console sign-in, so they give nothing away by themselves.
 */

/** The console's origin for a region (`https://eu-central-1.console.aws.amazon.com`; China regions have their own domain). */
export function consoleOrigin(region: string): string {
  return region.startsWith('cn-') ? `https://${region}.console.amazonaws.cn` : `https://${region}.console.aws.amazon.com`;
}

/** One CloudWatch alarm (metric or composite) in the console. */
export function alarmConsoleUrl(region: string, alarmName: string): string {
  return `${consoleOrigin(region)}/cloudwatch/home?region=${region}#alarmsV2:alarm/${encodeURIComponent(alarmName)}`;
}

/** A CloudWatch dashboard in the console. */
export function dashboardConsoleUrl(region: string, dashboardName: string): string {
  return `${consoleOrigin(region)}/cloudwatch/home?region=${region}#dashboards/dashboard/${encodeURIComponent(dashboardName)}`;
}

/** One object's page in the S3 console (its properties, a download button). */
export function s3ObjectConsoleUrl(region: string, bucket: string, key: string): string {
  const origin = region.startsWith('cn-') ? `https://console.amazonaws.cn` : 'https://s3.console.aws.amazon.com';
  return `${origin}/s3/object/${encodeURIComponent(bucket)}?region=${region}&bucketType=general&prefix=${encodeURIComponent(key)}`;
}

/** `s3://bucket/key` split into its parts; null for anything else (a local path). */
export function parseS3Uri(uri: string): { bucket: string; key: string } | null {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  return m ? { bucket: m[1]!, key: m[2]! } : null;
}
