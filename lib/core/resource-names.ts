/**
 * The names the stack gives what it deploys, where the runtime needs them too: a function
 * derives an owner's topic ARN from the owner's name (`topicArnsFor`), so neither the template
 * nor a function's environment has to carry every topic's ARN (Lambda allows 4 KB of
 * environment; eight vendors' topics alone are about 1 KB). Imports nothing.
 */

/** The name under which on-call's topic appears among the owners' (never an owner's name). */
export const ON_CALL = 'on-call';

/** A deployed resource's name: `flp-<environment>-<suffix>`, letters, digits, hyphens and underscores, at most 64 (Lambda's limit for function names). */
export function resourceName(environment: string, suffix: string): string {
  return `flp-${environment}-${suffix}`.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 64);
}

/** A topic name part from an owner's name: letters, digits, hyphens. */
export function ownerSlug(owner: string): string {
  return owner.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '') || 'owner';
}

/** The SNS topic of `owner` (or of on-call, {@link ON_CALL}) in `environment`. */
export function topicName(environment: string, owner: string): string {
  return resourceName(environment, owner === ON_CALL ? ON_CALL : `owner-${ownerSlug(owner)}`);
}
