import 'reflect-metadata'; // @peculiar/x509 (through tsyringe) needs the Reflect metadata API
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';

// Throwaway certificate authorities and server certificates, made in memory for each test run
// (ECDSA P-256: milliseconds), so TLS is tested as users meet it: a private CA, an expired
// certificate, a certificate for another host.

x509.cryptoProvider.set(webcrypto as unknown as Crypto);
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const DAY = 86_400_000;
let serial = 1;

const pem = (label: string, der: ArrayBuffer) => `-----BEGIN ${label}-----\n${Buffer.from(der).toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END ${label}-----\n`;

export interface ServerCert {
  /** the server's certificate, PEM */
  cert: string;
  /** its private key, PEM (PKCS#8) */
  key: string;
}

export interface Ca {
  /** the CA's certificate, PEM: what a client must trust */
  cert: string;
  /** a server certificate signed by this CA, for these host names and IPs */
  issue(opts?: { hosts?: string[]; notBefore?: Date; notAfter?: Date }): Promise<ServerCert>;
}

export async function makeCa(name = 'cbsync throwaway test CA'): Promise<Ca> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: String(serial++).padStart(2, '0'),
    name: `CN=${name}`,
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + DAY),
    keys,
    signingAlgorithm: ALG,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true)],
  });
  return {
    cert: ca.toString('pem'),
    async issue({ hosts = ['127.0.0.1', 'localhost'], notBefore = new Date(Date.now() - DAY), notAfter = new Date(Date.now() + DAY) } = {}) {
      const leaf = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
      const cert = await x509.X509CertificateGenerator.create({
        serialNumber: String(serial++).padStart(2, '0'),
        subject: `CN=${hosts[0]}`,
        issuer: ca.subject,
        notBefore,
        notAfter,
        signingKey: keys.privateKey,
        publicKey: leaf.publicKey,
        signingAlgorithm: ALG,
        extensions: [new x509.SubjectAlternativeNameExtension(hosts.map((h) => ({ type: /^[\d.]+$/.test(h) ? 'ip' : 'dns', value: h }) as const))],
      });
      return { cert: cert.toString('pem'), key: pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', leaf.privateKey)) };
    },
  };
}
