import { expect } from 'chai';
import { validateSettings } from '../../nodes/core/config';
import { grantRequest, refreshRequest } from '../../nodes/core/token-request';

describe('tls_client_auth (RFC 8705 §2.1)', () => {
  const settings = validateSettings(
    {
      grantType: 'client_credentials',
      tokenUrl: 'https://idp.example/token',
      clientAuth: 'tls_client_auth',
    },
    { clientId: 'my-client', clientSecret: 'never-sent' },
    { clientCertNotAfter: Date.UTC(2030, 0, 1) },
  );

  it('names the client by client_id in the body and sends no secret: the certificate is the proof', () => {
    for (const req of [grantRequest(settings), refreshRequest(settings, 'R1')]) {
      const body = new URLSearchParams(req.body);
      expect(body.get('client_id')).to.equal('my-client');
      expect(body.has('client_secret')).to.equal(false);
      expect(req.headers).to.not.have.property('Authorization');
      expect(req.body).to.not.contain('never-sent');
    }
  });
});
