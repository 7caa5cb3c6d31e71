/** The edges of each input rule the runtime and the editor share (nodes/core/rules.ts). */
import { expect } from 'chai';
import {
  checkEndpoint,
  checkExtraParams,
  checkIssuer,
  checkNumber,
  credentialsNeeded,
  endpointLabel,
  isLoopbackHost,
  isNotifyList,
  isWholeEnv,
  needsClientCertificate,
  scopeTokens,
  secretsNeeded,
  tokenServer,
} from '../../nodes/core/rules';

const problem = (r: object) => ('problem' in r ? r.problem : 'ok');

describe('input rules at their edges', () => {
  it('takes only a whole field of ${NAME} or $(NAME) as an environment variable', () => {
    for (const v of ['${A}', ' ${A_B} ', '$(PATH)']) expect(isWholeEnv(v), v).to.equal(true);
    for (const v of ['x${A}', '${A}x', 'x$(A)', '$(A)x', '${}', '${A B}', 5, undefined]) {
      expect(isWholeEnv(v), String(v)).to.equal(false);
    }
  });

  it('knows loopback hosts and nothing else', () => {
    for (const h of [
      'localhost',
      'LOCALHOST.',
      'a.localhost',
      '127.0.0.1',
      '127.1.22.255',
      '::1',
      '[::1]',
    ]) {
      expect(isLoopbackHost(h), h).to.equal(true);
    }
    for (const h of [
      'localhost.example',
      '128.0.0.1',
      '127.0.0',
      '127.0.0.1.example',
      'x127.0.0.1',
      '127.1234.0.1',
      '::2',
    ]) {
      expect(isLoopbackHost(h), h).to.equal(false);
    }
  });

  it('names what is wrong with an endpoint', () => {
    expect(problem(checkEndpoint('', false))).to.equal('required');
    expect(problem(checkEndpoint('   ', false))).to.equal('required');
    expect(problem(checkEndpoint('ftp://a.example/t', false))).to.equal('url');
    expect(problem(checkEndpoint('https://u@a.example/t', false))).to.equal('userinfo');
    expect(problem(checkEndpoint('https://:p@a.example/t', false))).to.equal('userinfo');
    expect(problem(checkEndpoint('https://a.example/t#', false))).to.equal('fragment');
    expect(problem(checkEndpoint('https://a.example/t#x', false))).to.equal('fragment');
    expect(problem(checkEndpoint('http://a.example/t', false))).to.equal('insecure');
    expect(problem(checkEndpoint('http://a.example/t', true))).to.equal('ok');
    expect(problem(checkEndpoint('http://127.0.0.1:8080/t', false))).to.equal('ok');
    expect(problem(checkEndpoint('https://a.example/t?x=1', false))).to.equal('ok');
    expect(problem(checkIssuer('https://a.example/t?x=1', false))).to.equal('query');
    expect(problem(checkIssuer('https://a.example/t', false))).to.equal('ok');
    expect(problem(checkIssuer('nope', false))).to.equal('url');
  });

  it('reads extra parameters: a name, not reserved, and a text value or none', () => {
    expect(
      checkExtraParams([{ name: ' a ', value: 'x' }, { name: 'b' }, { name: 'c', value: null }]),
    ).to.deep.equal({
      params: [
        ['a', 'x'],
        ['b', ''],
        ['c', ''],
      ],
    });
    expect(checkExtraParams([{ name: 'a', value: 5 }])).to.deep.equal({
      problem: 'param-value',
      name: 'a',
    });
    expect(checkExtraParams([{ name: 'a', value: {} }])).to.deep.equal({
      problem: 'param-value',
      name: 'a',
    });
    expect(checkExtraParams([null])).to.deep.equal({ problem: 'param-name' });
    expect(checkExtraParams('a=b')).to.deep.equal({ params: [] });
  });

  it('splits a scope on any white space', () => {
    expect(scopeTokens(' a\tb\n c  ')).to.deep.equal(['a', 'b', 'c']);
    expect(scopeTokens('')).to.deep.equal([]);
    expect(scopeTokens('a "b"')).to.equal(undefined);
  });

  it('reads a number: the default when empty, a numeric string, inside the range only', () => {
    const rule = { min: 1, max: 10, default: 5 };
    expect(checkNumber(undefined, rule)).to.equal(5);
    expect(checkNumber(null, rule)).to.equal(5);
    expect(checkNumber('  ', rule)).to.equal(5);
    expect(checkNumber(' 7 ', rule)).to.equal(7);
    expect(checkNumber('0x0A', rule)).to.equal(10);
    expect(checkNumber(10, rule)).to.equal(10);
    expect(checkNumber(1, rule)).to.equal(1);
    expect(checkNumber(10.5, rule)).to.equal(undefined);
    expect(checkNumber(0.5, rule)).to.equal(undefined);
    expect(checkNumber(true, rule)).to.equal(undefined);
    expect(checkNumber([7], rule)).to.equal(undefined);
  });

  it('needs the credentials each grant and client authentication send', () => {
    expect(credentialsNeeded('password', 'none')).to.deep.equal(['username', 'password']);
    expect(credentialsNeeded('password', 'client_secret_basic')).to.deep.equal([
      'clientId',
      'clientSecret',
      'username',
      'password',
    ]);
    expect(credentialsNeeded('client_credentials', 'none')).to.deep.equal(['clientId']);
    expect(credentialsNeeded('client_credentials', 'private_key_jwt')).to.deep.equal([
      'clientId',
      'privateKey',
    ]);
    expect(credentialsNeeded('client_credentials', 'tls_client_auth')).to.deep.equal(['clientId']);
    expect(secretsNeeded('password', 'private_key_jwt')).to.deep.equal(['privateKey', 'password']);
    expect(needsClientCertificate('tls_client_auth')).to.equal(true);
    expect(needsClientCertificate('private_key_jwt')).to.equal(false);
  });

  it('takes owner addresses as a comma-separated list of x@y or Name <x@y>', () => {
    for (const v of ['', '${OWNER}', 'a@b', ' a@b , Ann <c@d> ', 'a@b,', 'Ann Lee <a@b>']) {
      expect(isNotifyList(v), v).to.equal(true);
    }
    for (const v of [',', 'a', 'a@b c@d', 'a@b, x', '<a@b', 'Ann <a b@c>', 'a@b>', ' @b', 'a@']) {
      expect(isNotifyList(v), v).to.equal(false);
    }
  });

  it('labels an object by its grant and the host of its token URL or issuer', () => {
    expect(endpointLabel({ grantType: 'password', tokenUrl: 'https://a.example:8443/t' })).to.equal(
      'password @ a.example:8443',
    );
    expect(endpointLabel({ tokenUrl: '', issuer: 'https://idp.example' })).to.equal(
      'client_credentials @ idp.example',
    );
    expect(endpointLabel({ grantType: 'password' })).to.equal('password');
  });

  it('shows a token server without query or fragment, and only http(s)', () => {
    expect(tokenServer({ tokenUrl: 'https://a.example/t?key=1#f' })).to.deep.equal({
      tokenUrl: 'https://a.example/t',
    });
    expect(tokenServer({ tokenUrl: 'ftp://a.example/t' })).to.equal(undefined);
    expect(tokenServer({ issuer: 'http://idp.example/r' })).to.deep.equal({
      issuer: 'http://idp.example/r',
    });
    expect(tokenServer({ issuer: 'mailto:a@b' })).to.equal(undefined);
  });
});
