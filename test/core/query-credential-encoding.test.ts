import { expect } from 'chai';
import { applyTo } from '../../nodes/core/apply';

const query = (value: string, name = 'api_key') => ({ in: 'query' as const, name, value });
const applied = (url: string, value = 'k1', name?: string): string => {
  const msg: Record<string, unknown> = { url };
  applyTo(msg, query(value, name));
  return String(msg.url);
};

describe('a query API key leaves the rest of msg.url as the flow wrote it', () => {
  it('keeps the bytes of every other parameter: commas, tildes, slashes, %20, +, a bare flag', () => {
    const rest = 'fields=a,b&path=/x:y&sig=ab%2Bc~d&q=x%20y&t=a+b&flag';
    expect(applied(`https://api.example.com/v1?${rest}`)).to.equal(
      `https://api.example.com/v1?${rest}&api_key=k1`,
    );
  });

  it('keeps a parameter in another charset than UTF-8 as it is, not a replacement character', () => {
    expect(applied('https://api.example.com/s?q=caf%E9')).to.equal(
      'https://api.example.com/s?q=caf%E9&api_key=k1',
    );
  });

  it('replaces the parameter where it first was, also when percent-encoded, dropping repeats', () => {
    expect(applied('https://h.example/p?a=1&api%5Fkey=old&b=2&api_key=older')).to.equal(
      'https://h.example/p?a=1&api_key=k1&b=2',
    );
  });

  it('treats another casing of the name as another parameter (query names are case-sensitive)', () => {
    expect(applied('https://h.example/p?API_KEY=x')).to.equal(
      'https://h.example/p?API_KEY=x&api_key=k1',
    );
  });

  it('encodes the key so that form and RFC 3986 readers get the same text: space %20, plus %2B', () => {
    const url = applied('https://h.example/p', 'a b+c&d=e/é');
    expect(url).to.equal('https://h.example/p?api_key=a%20b%2Bc%26d%3De%2F%C3%A9');
    expect(new URL(url).searchParams.get('api_key')).to.equal('a b+c&d=e/é');
    expect(decodeURIComponent(url.split('api_key=')[1]!)).to.equal('a b+c&d=e/é');
  });

  it('encodes a name with characters a query gives a meaning to', () => {
    expect(applied('https://h.example/p?x=1', 'k1', 'key&name=')).to.equal(
      'https://h.example/p?x=1&key%26name%3D=k1',
    );
  });

  it('keeps the fragment after the query, and an IPv6 host', () => {
    expect(applied('http://[::1]:8080/p?x=1#top')).to.equal(
      'http://[::1]:8080/p?x=1&api_key=k1#top',
    );
  });

  it('adds the parameter to a URL without a query, or with an empty one', () => {
    expect(applied('https://h.example/p')).to.equal('https://h.example/p?api_key=k1');
    expect(applied('https://h.example/p?')).to.equal('https://h.example/p?api_key=k1');
    expect(applied('https://h.example/p?&&')).to.equal('https://h.example/p?api_key=k1');
  });
});
