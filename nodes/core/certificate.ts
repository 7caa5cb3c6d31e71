/**
 * The client certificate of a TLS configuration, as far as this package needs
 * it: when it stops being valid. https://www.rfc-editor.org/rfc/rfc5280#section-4.1.2.5
 */
import { X509Certificate } from 'node:crypto';
import type { TlsOptions } from './http';

/**
 * `notAfter` (epoch ms) of the client certificate (the first in a chain) when
 * the options carry a certificate and its key; undefined otherwise.
 */
export function clientCertNotAfter(tls: TlsOptions | undefined): number | undefined {
  if (!tls?.cert || !tls.key) return undefined;
  try {
    const at = Date.parse(new X509Certificate(tls.cert).validTo);
    return Number.isFinite(at) ? at : undefined;
  } catch {
    return undefined;
  }
}
