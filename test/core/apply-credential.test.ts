import { expect } from 'chai';
import { applyTo, basicValue, dropHeader } from '../../nodes/core/apply';
import { AuthError } from '../../nodes/core/errors';

const header = (value: string) => ({ in: 'header' as const, name: 'X-Api-Key', value });
const query = (value: string) => ({ in: 'query' as const, name: 'api_key', value });

describe('applying a credential to a message', () => {
  it('sets the header, replacing one of the same name in any casing', () => {
    const msg: Record<string, unknown> = {
      headers: { 'x-api-key': 'old', 'X-API-KEY': 'older', Accept: 'text/plain' },
    };
    applyTo(msg, header('k1'));
    expect(msg.headers).to.deep.equal({ Accept: 'text/plain', 'X-Api-Key': 'k1' });
  });

  it('makes a headers object for a message with none, or with headers that are not an object', () => {
    for (const headers of [undefined, null, 'X-Api-Key: x', 7, ['X-Api-Key']]) {
      const msg: Record<string, unknown> = { headers };
      applyTo(msg, header('k1'));
      expect(msg.headers, String(headers)).to.deep.equal({ 'X-Api-Key': 'k1' });
    }
  });

  it('keeps the headers object the message already has', () => {
    const headers = { Accept: 'text/plain' };
    const msg: Record<string, unknown> = { headers };
    applyTo(msg, header('k1'));
    expect(msg.headers).to.equal(headers);
    expect(headers).to.deep.equal({ Accept: 'text/plain', 'X-Api-Key': 'k1' });
  });

  it('puts a query credential on msg.url, replacing a parameter of that name, headers untouched', () => {
    const msg: Record<string, unknown> = {
      url: '  https://api.example.com/v1/items?api_key=old&page=2 ',
      headers: { Accept: 'text/plain' },
    };
    applyTo(msg, query('k 1&x'));
    const url = new URL(String(msg.url));
    expect(url.origin + url.pathname).to.equal('https://api.example.com/v1/items');
    expect(url.searchParams.getAll('api_key')).to.deep.equal(['k 1&x']);
    expect(url.searchParams.get('page')).to.equal('2');
    expect(msg.headers).to.deep.equal({ Accept: 'text/plain' });
  });

  it('accepts a plain http URL for a query credential', () => {
    const msg: Record<string, unknown> = { url: 'http://127.0.0.1:8080/x' };
    applyTo(msg, query('k1'));
    expect(msg.url).to.equal('http://127.0.0.1:8080/x?api_key=k1');
  });

  it('refuses a query credential without an absolute http(s) msg.url, leaving the message as it was', () => {
    for (const url of [
      undefined,
      '',
      '/relative/path',
      'not a url',
      'ftp://h/x',
      'file:///etc/x',
      42,
    ]) {
      const msg: Record<string, unknown> = { url, headers: { A: '1' } };
      let err: unknown;
      try {
        applyTo(msg, query('k1'));
      } catch (e) {
        err = e;
      }
      expect(err, String(url)).to.be.instanceOf(AuthError);
      expect((err as AuthError).code).to.equal('NO_URL');
      expect((err as AuthError).params).to.deep.include({ name: 'api_key' });
      expect(msg).to.deep.equal({ url, headers: { A: '1' } });
    }
  });

  it('drops a header of every casing and leaves other headers, ignoring headers that are not an object', () => {
    const headers: Record<string, unknown> = { authorization: 'a', AUTHORIZATION: 'b', Host: 'h' };
    dropHeader(headers, 'Authorization');
    expect(headers).to.deep.equal({ Host: 'h' });
    const list = ['Authorization'];
    dropHeader(list, 'Authorization');
    expect(list).to.deep.equal(['Authorization']);
    expect(() => dropHeader(undefined, 'Authorization')).to.not.throw();
    expect(() => dropHeader('Authorization: x', 'Authorization')).to.not.throw();
  });
});

describe('the HTTP Basic value', () => {
  it('is "Basic " and the base64 of user:password (RFC 7617)', () => {
    expect(basicValue('Aladdin', 'open sesame')).to.equal('Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==');
  });

  it('encodes the user and password as UTF-8', () => {
    const v = basicValue('zoë', 'pässwörd€');
    expect(v.startsWith('Basic ')).to.equal(true);
    expect(Buffer.from(v.slice(6), 'base64').toString('utf8')).to.equal('zoë:pässwörd€');
  });
});
