/**
 * The certificates in a PEM text (one CA or a bundle), as the config's `target.caFile` holds
 * them: read by the runtime's TLS trust and checked by the stack before it ships the file.
 */
import { X509Certificate } from 'node:crypto';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * Each certificate of `text` as its own PEM, in order; anything between them (comments, keys)
 * is left out. Throws, naming `source`, when there is none or one does not parse.
 */
export function certificatesInPem(text: string, source: string): string[] {
  const pems = text.match(PEM_CERTIFICATE) ?? [];
  if (pems.length === 0) throw new Error(`${source} holds no PEM certificate ("-----BEGIN CERTIFICATE-----")`);
  for (const [i, pem] of pems.entries()) {
    try {
      new X509Certificate(pem);
    } catch (err) {
      throw new Error(`certificate ${i + 1} of ${source} does not parse: ${(err as Error).message}`, { cause: err });
    }
  }
  return pems;
}
