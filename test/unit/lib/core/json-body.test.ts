import { describe, expect, it } from 'vitest';
import { parseJsonBody } from '../../../../lib/core/json-body.ts';

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('parseJsonBody', () => {
  it('parses a UTF-8 JSON body, any JSON value', () => {
    expect(parseJsonBody(bytes('{"status":"ok","node":"flp-ø"}'))).toEqual({ ok: true, value: { status: 'ok', node: 'flp-ø' } });
    expect(parseJsonBody(bytes('null'))).toEqual({ ok: true, value: null });
  });

  it('says a body is not JSON, naming the content type when there is one', () => {
    expect(parseJsonBody(bytes('<h1>It works!</h1>'), 'text/html; charset=utf-8')).toEqual({ ok: false, problem: 'body: not JSON (content-type text/html; charset=utf-8)' });
    expect(parseJsonBody(bytes(''))).toEqual({ ok: false, problem: 'body: not JSON' });
  });

  it('refuses bytes that are not UTF-8 rather than reading them leniently', () => {
    const broken = Buffer.concat([bytes('{"node":"flp-'), Buffer.from([0xff, 0xfe]), bytes('1"}')]);
    expect(parseJsonBody(broken, 'application/json')).toEqual({ ok: false, problem: 'body: not valid UTF-8, which JSON must be' });
  });

  it('keeps a byte order mark, so a BOM-prefixed body is not JSON', () => {
    expect(parseJsonBody(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes('{}')]))).toEqual({ ok: false, problem: 'body: not JSON' });
  });
});
