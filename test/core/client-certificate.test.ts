import { X509Certificate } from 'node:crypto';
import { expect } from 'chai';
import { clientCertNotAfter } from '../../nodes/core/certificate';
import { makeTestCa, type TestCa } from '../fixtures/test-ca';

describe('client certificate expiry', () => {
  let ca: TestCa;
  before(() => {
    ca = makeTestCa();
  });

  it("is the certificate's notAfter when the TLS options hold a certificate and its key", () => {
    const notAfter = Date.parse(new X509Certificate(ca.client.cert).validTo);
    expect(clientCertNotAfter({ cert: ca.client.cert, key: ca.client.key })).to.equal(notAfter);
    const expired = clientCertNotAfter({ cert: ca.expiredClient.cert, key: ca.expiredClient.key });
    expect(expired).to.be.a('number').below(notAfter);
  });

  it('is undefined without a certificate, without its key, or for text that is no certificate', () => {
    expect(clientCertNotAfter(undefined)).to.equal(undefined);
    expect(clientCertNotAfter({ cert: ca.client.cert })).to.equal(undefined);
    expect(clientCertNotAfter({ key: ca.client.key })).to.equal(undefined);
    expect(clientCertNotAfter({ cert: 'not a certificate', key: ca.client.key })).to.equal(
      undefined,
    );
  });
});
