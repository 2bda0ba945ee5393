/**
 * Sending a notification from a Lambda function to the configured channels: the channels that
 * carry it (its owner's, or those of the owners given, at its severity), each one's URL and key
 * from its Secrets Manager secret (`secretName`, read at run time), then every channel at once
 * with its retries. The notifier sends its pages this way, and the journey function a release
 * verdict. A channel whose secret cannot be read or holds no usable value is a failed delivery
 * that says why, never the value.
 */
import { channelsFor, dispatch, namedChannels, resolveChannel, type ChannelTarget, type Delivery, type DispatchOptions } from '../alarms/channels.ts';
import type { Notification } from '../alarms/notification.ts';
import type { Config } from '../core/config.ts';
import { describeError } from '../core/format.ts';

/** Sends a notification to the configured channels that carry it (of its owner, or of `owners`). */
export type SendToChannels = (n: Notification, config: Config, owners?: readonly string[]) => Promise<Delivery[]>;

/**
 * The default channel delivery: the channels carrying the page (its owner or "*", its
 * severity), each one's URL and key from its secret (`secretName`, read from Secrets Manager at
 * run time), then every channel at once with its retries. A channel whose secret cannot be read
 * or holds no usable value is a failed delivery that says why, never the value.
 */
export function createChannelSender(options: { readSecret: (secretName: string) => Promise<string>; dispatchOptions?: DispatchOptions }): SendToChannels {
  return async (n, config, owners = [n.owner]) => {
    // The channels of any of `owners` that carry the page's severity.
    const channels = namedChannels(config).filter((c) => owners.some((owner) => channelsFor([c], { owner, severity: n.severity }).length));
    const targets: ChannelTarget[] = [];
    const unusable: Delivery[] = [];
    await Promise.all(
      channels.map(async (channel) => {
        const failed = (error: string): Delivery => ({ channel: channel.name, type: channel.type, ok: false, status: null, attempts: 0, durationMs: 0, error });
        let secret: string | undefined;
        if (channel.secretName) {
          try {
            secret = await options.readSecret(channel.secretName);
          } catch (err) {
            unusable.push(failed(`its secret ${channel.secretName} could not be read: ${describeError(err)}`));
            return;
          }
        }
        try {
          targets.push(resolveChannel(channel, secret));
        } catch (err) {
          unusable.push(failed((err as Error).message));
        }
      }),
    );
    return [...(targets.length ? await dispatch(n, targets, options.dispatchOptions) : []), ...unusable];
  };
}
