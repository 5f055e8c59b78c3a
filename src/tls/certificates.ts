/**
 * TLS material: the operator's certificate files, or a self-signed certificate generated once under
 * data_dir/tls (ECDSA P-256, SAN = hostname, localhost, 127.0.0.1, ::1). Modern TLS only: TLS 1.2
 * and 1.3 with Node's default (forward-secret, AEAD-first) cipher list; SSLv3/TLS 1.0/1.1 never.
 */
import { webcrypto, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TlsMaterial {
  cert: string;
  key: string;
  /** Where it came from, for the start banner. */
  source: string;
  fingerprint256: string;
}

/** `altNames`: more DNS names for the SAN (e.g. mta-sts.<domain> for the MTA-STS policy host). */
export async function generateSelfSigned(hostname: string, days = 825, altNames: readonly string[] = []): Promise<{ cert: string; key: string }> {
  // Loaded on demand: @peculiar/x509's dependency injection needs the reflect-metadata polyfill first.
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(webcrypto as never);
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const notBefore = new Date(Date.now() - 60_000);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(12))).toString('hex'),
    name: `CN=${hostname}`,
    notBefore,
    notAfter: new Date(notBefore.getTime() + days * 86400_000),
    signingAlgorithm: alg,
    keys: keys as webcrypto.CryptoKeyPair,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: hostname },
        ...altNames.map((value) => ({ type: 'dns' as const, value })),
        { type: 'dns', value: 'localhost' },
        { type: 'ip', value: '127.0.0.1' },
        { type: 'ip', value: '::1' },
      ]),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', (keys as webcrypto.CryptoKeyPair).privateKey));
  const key = `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END PRIVATE KEY-----\n`;
  return { cert: cert.toString('pem') + '\n', key };
}

/** Loads configured files, or the generated self-signed pair (creating it on first start). */
export async function loadTls(opts: { cert?: string; key?: string; dataDir: string; hostname: string; altNames?: readonly string[] }): Promise<TlsMaterial> {
  if (opts.cert && opts.key) {
    const cert = readFileSync(opts.cert, 'utf8');
    return { cert, key: readFileSync(opts.key, 'utf8'), source: opts.cert, fingerprint256: new X509Certificate(cert).fingerprint256 };
  }
  const dir = join(opts.dataDir, 'tls');
  const certPath = join(dir, 'selfsigned.crt');
  const keyPath = join(dir, 'selfsigned.key');
  if (!existsSync(certPath) || !existsSync(keyPath)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const pair = await generateSelfSigned(opts.hostname, 825, opts.altNames ?? []);
    writeFileSync(keyPath, pair.key, { mode: 0o600 });
    writeFileSync(certPath, pair.cert, { mode: 0o644 });
  }
  const cert = readFileSync(certPath, 'utf8');
  return { cert, key: readFileSync(keyPath, 'utf8'), source: `${certPath} (self-signed)`, fingerprint256: new X509Certificate(cert).fingerprint256 };
}
