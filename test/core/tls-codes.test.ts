import { expect } from 'chai';
import { classifyTransportError } from '../../nodes/core/http';

const kindOf = (code: string) => classifyTransportError({ code }, 10_000).kind;

describe('transport error codes', () => {
  it('takes the TLS codes as TLS failures, and codes that only look alike as network errors', () => {
    for (const code of ['EPROTO', 'ERR_TLS_CERT_ALTNAME_INVALID', 'ERR_SSL_WRONG_VERSION_NUMBER']) {
      expect(kindOf(code), code).to.equal('tls');
    }
    // "Protocol not supported" is a socket error, not a TLS one.
    for (const code of ['EPROTONOSUPPORT', 'XEPROTO', 'X_ERR_TLS', 'X_ERR_SSL']) {
      expect(kindOf(code), code).to.equal('network');
    }
  });
});
