/**
 * Certificates for the sandbox: a private certificate authority and server leaves (valid,
 * expired or self-signed) that Node's `tls` and Chromium accept or reject exactly as they
 * would a real host's. ECDSA P-256 keys, SHA-256 signatures.
 */
// @peculiar/x509 (through tsyringe) needs the Reflect metadata API at load time.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import type * as X509 from '@peculiar/x509';

/** A certificate and its private key, both PEM (key as PKCS#8). */
export interface KeyPairPem {
  certPem: string;
  keyPem: string;
}

/** A CA that can sign leaves. Plain data: it can be written to disk and loaded again. */
export interface CertificateAuthority extends KeyPairPem {
  commonName: string;
}

export interface IssueOptions {
  commonName: string;
  /** Subject alternative names of type DNS. */
  dnsNames?: string[];
  /** Subject alternative names of type IP (v4 or v6). */
  ipAddresses?: string[];
  notBefore: Date;
  notAfter: Date;
}

const EC_KEY: EcKeyGenParams & EcKeyImportParams = { name: 'ECDSA', namedCurve: 'P-256' };
const SIGNING: EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };
const DAY_MS = 86_400_000;

let x509Module: Promise<typeof X509> | undefined;

/** Loads @peculiar/x509 after the Reflect shim is in place (a static import could run first). */
function x509(): Promise<typeof X509> {
  x509Module ??= import('@peculiar/x509').then((m) => {
    m.cryptoProvider.set(webcrypto as unknown as Crypto);
    return m;
  });
  return x509Module;
}

function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] ?? 0) & 0x7f || 0x01; // positive and without a leading zero byte
  return Buffer.from(bytes).toString('hex');
}

async function generateKeys(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify'])) as unknown as CryptoKeyPair;
}

async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key as webcrypto.CryptoKey));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/.{1,64}/g, '$&\n')}-----END PRIVATE KEY-----\n`;
}

async function importPrivateKey(keyPem: string): Promise<CryptoKey> {
  const base64 = keyPem.replace(/-----(BEGIN|END) PRIVATE KEY-----/g, '').replace(/\s+/g, '');
  return (await webcrypto.subtle.importKey('pkcs8', Buffer.from(base64, 'base64'), EC_KEY, false, ['sign'])) as unknown as CryptoKey;
}

/** Escapes a value for an RFC 4514 distinguished name. */
function dn(commonName: string): string {
  return `CN=${commonName.replace(/([,+"\\<>;=])/g, '\\$1')}`;
}

/** Creates a new CA (self-signed, valid from a day ago for ten years). */
export async function createCertificateAuthority(commonName: string): Promise<CertificateAuthority> {
  const m = await x509();
  const keys = await generateKeys();
  const now = Date.now();
  const cert = await m.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: dn(commonName),
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + 3650 * DAY_MS),
    keys,
    signingAlgorithm: SIGNING,
    extensions: [
      new m.BasicConstraintsExtension(true, 0, true),
      new m.KeyUsagesExtension(m.KeyUsageFlags.keyCertSign | m.KeyUsageFlags.cRLSign, true),
      await m.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { commonName, certPem: cert.toString('pem') + '\n', keyPem: await privateKeyPem(keys.privateKey) };
}

/**
 * Rebuilds a CA from PEM files written earlier (see `createCertificateAuthority`). Throws when
 * the certificate or key cannot be read.
 */
export async function loadCertificateAuthority(certPem: string, keyPem: string): Promise<CertificateAuthority> {
  const m = await x509();
  const cert = new m.X509Certificate(certPem);
  await importPrivateKey(keyPem); // fails early on a bad key
  const commonName = cert.subjectName.getField('CN')[0] ?? cert.subject;
  return { commonName, certPem, keyPem };
}

/**
 * Issues a server certificate for `commonName` with the given SANs. With `ca: null` the leaf is
 * self-signed (a client that trusts only the CA rejects it as untrusted).
 */
export async function issueCertificate(ca: CertificateAuthority | null, opts: IssueOptions): Promise<KeyPairPem> {
  const m = await x509();
  const keys = await generateKeys();
  const names: X509.JsonGeneralName[] = [
    ...(opts.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(opts.ipAddresses ?? []).map((value) => {
      if (!isIP(value)) throw new Error(`issueCertificate: "${value}" is not an IP address`);
      return { type: 'ip' as const, value };
    }),
  ];
  const extensions: X509.Extension[] = [
    new m.BasicConstraintsExtension(false, undefined, true),
    new m.KeyUsagesExtension(m.KeyUsageFlags.digitalSignature | m.KeyUsageFlags.keyEncipherment, true),
    new m.ExtendedKeyUsageExtension([m.ExtendedKeyUsage.serverAuth]),
    await m.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  if (names.length) extensions.push(new m.SubjectAlternativeNameExtension(names));
  const base = {
    serialNumber: randomSerial(),
    notBefore: opts.notBefore,
    notAfter: opts.notAfter,
    signingAlgorithm: SIGNING,
  };
  let cert: X509.X509Certificate;
  if (ca) {
    const caCert = new m.X509Certificate(ca.certPem);
    extensions.push(await m.AuthorityKeyIdentifierExtension.create(caCert));
    cert = await m.X509CertificateGenerator.create({
      ...base,
      subject: dn(opts.commonName),
      issuer: caCert.subject,
      publicKey: keys.publicKey,
      signingKey: await importPrivateKey(ca.keyPem),
      extensions,
    });
  } else {
    cert = await m.X509CertificateGenerator.createSelfSigned({ ...base, name: dn(opts.commonName), keys, extensions });
  }
  return { certPem: cert.toString('pem') + '\n', keyPem: await privateKeyPem(keys.privateKey) };
}
