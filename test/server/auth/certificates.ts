/** Self-signed RSA certificates for the client-credential tests, made by openssl as IT would make them. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface TestCertificate {
  /** The key and the certificate in one PEM text: what GRAPH_CLIENT_CERTIFICATE_PATH names. */
  pem: string;
  keyPem: string;
  certPem: string;
  /** A file holding `pem`. */
  file: string;
  dir: string;
}

export function selfSigned(name: string, days = 2): TestCertificate {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rezi-cert-'));
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-sha256', '-nodes', '-days', String(days), '-subj', `/CN=${name}`, '-keyout', key, '-out', cert],
    {
      stdio: 'ignore',
    },
  );
  const keyPem = fs.readFileSync(key, 'utf8');
  const certPem = fs.readFileSync(cert, 'utf8');
  const file = path.join(dir, 'client.pem');
  fs.writeFileSync(file, keyPem + certPem, { mode: 0o600 });
  return { pem: keyPem + certPem, keyPem, certPem, file, dir };
}

/** openssl's own SHA-256 (or SHA-1) fingerprint of the certificate, as base64url: the x5t#S256 (x5t) value. */
export function opensslThumbprint(cert: TestCertificate, digest: 'sha256' | 'sha1' = 'sha256'): string {
  const out = execFileSync('openssl', ['x509', '-noout', '-fingerprint', `-${digest}`, '-in', path.join(cert.dir, 'cert.pem')], { encoding: 'utf8' });
  const hex = out.split('=')[1].trim().replace(/:/g, '');
  return Buffer.from(hex, 'hex').toString('base64url');
}

export const removeCertificate = (cert: TestCertificate) => fs.rmSync(cert.dir, { recursive: true, force: true });
