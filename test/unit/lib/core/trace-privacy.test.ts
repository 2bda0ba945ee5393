/**
 * Masking the CPR in a Playwright trace, on zips built here with fflate the way Playwright lays a
 * trace out: JSON-lines entries (`trace.trace`, `trace.network`, `trace.stacks`) and resources
 * under `resources/`, text and binary.
 */
import { createHash } from 'node:crypto';
import { strToU8, unzipSync, zipSync, type Zippable } from 'fflate';
import { describe, expect, it } from 'vitest';
import { maskCprInTrace } from '../../../../lib/core/trace-privacy.ts';

const CPR = '2512489996';
/** The CPR in every form a trace may carry it in: bare, hyphenated, the hyphen percent-encoded once or twice. */
const ANY_FORM = /2512489996|251248(-|%2d|%252d)9996/i;

const sha1 = (data: Uint8Array | string) => createHash('sha1').update(data).digest('hex');
const text = (data: Uint8Array) => Buffer.from(data).toString('latin1');
const entriesOf = (zip: Uint8Array) => Object.entries(unzipSync(zip));

/** Eight bytes of PNG signature, a chunk header with NULs, and bytes that are no UTF-8. */
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0xff, 0xfe, 0xc3, 0x28, ...strToU8('2512489')]);

describe('masking the CPR in a trace', () => {
  it('masks the CPR in every form in every text entry, keeping names, order and lengths', () => {
    // given a trace whose entries carry the CPR as URLs, bodies and snapshots do
    const trace: Zippable = {
      'trace.trace': strToU8(
        [
          '{"type":"before","method":"goto","params":{"url":"http://flp.test/lps/launch?clinic=012345&cpr=2512489996&system=test-journal"}}',
          '{"type":"frame-snapshot","snapshot":{"frameUrl":"http://flp.test/app/patient/2512489996?clinic=012345","html":["SPAN",{},"Patient 251248-9996, forløbsplan"]}}',
          '{"type":"log","message":"back=http%3A%2F%2Fflp.test%2Fp%2F251248%2D9996 and 251248%2d9996 and 251248%252D9996"}',
        ].join('\n'),
      ),
      'trace.network': strToU8('{"type":"resource-snapshot","snapshot":{"request":{"url":"http://flp.test/api/patients/2512489996/overview?clinic=012345","postData":{"text":"{\\"cpr\\":\\"2512489996\\"}"}}}}\n'),
      'trace.stacks': strToU8('{"files":["/var/task/journey.js"],"stacks":[]}'),
      'resources/overview.html': strToU8('<!doctype html><h1>Forløbsplan for 251248-9996</h1><a href="/app/patient/2512489996">igen</a>'),
      'resources/app.js': strToU8('fetch(`/api/patients/${"2512489996"}/overview`);'),
      'resources/logo.png': PNG,
    };
    const zip = zipSync(trace);

    // when
    const masked = maskCprInTrace(zip, CPR);

    // then no entry holds the CPR in any form, and each keeps its name, place and length
    const out = entriesOf(masked);
    expect(out.map(([name]) => name)).toEqual(Object.keys(trace));
    for (const [name, data] of out) {
      expect(text(data), name).not.toMatch(ANY_FORM);
      expect(data.length, name).toBe((trace[name] as Uint8Array).length);
    }
    const [traceText, network, stacks, html, js] = out.map(([, data]) => Buffer.from(data).toString('utf8'));
    // each form masked as it was written: the date and the separator stay, the serial goes
    expect(traceText).toContain('cpr=251248xxxx&system=test-journal');
    expect(traceText).toContain('/app/patient/251248xxxx?clinic=012345');
    expect(traceText).toContain('Patient 251248-xxxx, forløbsplan');
    expect(traceText).toContain('%2Fp%2F251248%2Dxxxx and 251248%2dxxxx and 251248%252Dxxxx');
    expect(network).toContain('/api/patients/251248xxxx/overview');
    expect(network).toContain('{\\"cpr\\":\\"251248xxxx\\"}');
    expect(stacks).toBe('{"files":["/var/task/journey.js"],"stacks":[]}');
    expect(html).toBe('<!doctype html><h1>Forløbsplan for 251248-xxxx</h1><a href="/app/patient/251248xxxx">igen</a>');
    expect(js).toBe('fetch(`/api/patients/${"251248xxxx"}/overview`);');
    // and the image is untouched, byte for byte
    expect(out[5]![1]).toEqual(PNG);
    // and the rewritten trace parses line by line as Playwright wrote it
    for (const line of traceText!.split('\n')) expect(() => JSON.parse(line)).not.toThrow();
  });

  it('masks a binary resource that spells the CPR in place, every other byte as it was', () => {
    // given a PDF-like binary (NULs, no UTF-8) whose text holds the CPR
    const head = new Uint8Array([0x25, 0x50, 0x44, 0x46, 0x2d, 0x31, 0x2e, 0x37, 0x0a, 0x25, 0xe2, 0xe3, 0xcf, 0xd3, 0]);
    const pdf = new Uint8Array([...head, ...strToU8('BT (CPR 251248-9996) Tj ET'), 0xff, 0]);

    // when
    const [[, out]] = entriesOf(maskCprInTrace(zipSync({ 'resources/plan.pdf': pdf, 'resources/logo.png': PNG }), CPR)) as [[string, Uint8Array]];

    // then only the serial changed, so the PDF's offsets still hold
    expect(out).toEqual(new Uint8Array([...head, ...strToU8('BT (CPR 251248-xxxx) Tj ET'), 0xff, 0]));
  });

  it("names a masked resource by its masked content's SHA-1 and points every reference at it, so no name gives the CPR back", () => {
    // given a request body stored as Playwright stores it, named by the SHA-1 of its content
    const body = '{"clinic":"012345","cpr":"2512489996"}';
    const style = 'body { color: navy }';
    const bodyName = `resources/${sha1(body)}.json`;
    const styleName = `resources/${sha1(style)}.css`;
    const zip = zipSync({
      'trace.trace': strToU8(`{"type":"frame-snapshot","snapshot":{"resourceOverrides":[{"url":"http://flp.test/app.css","sha1":"${sha1(style)}.css"}]}}\n`),
      'trace.network': strToU8(`{"type":"resource-snapshot","snapshot":{"request":{"postData":{"text":"","_file":"${bodyName}"}}}}\n`),
      [bodyName]: strToU8(body),
      [styleName]: strToU8(style),
    });

    // when
    const out = entriesOf(maskCprInTrace(zip, CPR));

    // then the body is masked and named by the SHA-1 of what it holds now; the stylesheet keeps its name
    const maskedBody = '{"clinic":"012345","cpr":"251248xxxx"}';
    const maskedName = `resources/${sha1(maskedBody)}.json`;
    expect(out.map(([name]) => name)).toEqual(['trace.trace', 'trace.network', maskedName, styleName]);
    expect(text(out[2]![1])).toBe(maskedBody);
    // and the network log follows it; the snapshot's reference to the unchanged stylesheet stays
    expect(text(out[1]![1])).toContain(`"_file":"${maskedName}"`);
    expect(text(out[0]![1])).toContain(`"sha1":"${sha1(style)}.css"`);
    // and the old name is gone everywhere: trying every serial against the names finds nothing
    expect(out.some(([name, data]) => name.includes(sha1(body)) || text(data).includes(sha1(body)))).toBe(false);
    const names = out.map(([name]) => name).join('\n');
    const serials = Array.from({ length: 10_000 }, (_, n) => String(n).padStart(4, '0'));
    expect(serials.filter((s) => names.includes(sha1(`{"clinic":"012345","cpr":"251248${s}"}`)))).toEqual([]);
  });

  it('gives back a trace without the CPR as the very same bytes', () => {
    const zip = zipSync({ 'trace.trace': strToU8('{"type":"log","message":"patient 251248-xxxx"}\n'), 'resources/logo.png': PNG });
    expect(maskCprInTrace(zip, CPR)).toBe(zip);
  });

  it('refuses what it cannot rewrite, so that the caller keeps no trace: no zip, or no CPR to mask', () => {
    expect(() => maskCprInTrace(strToU8('PK but no zip'), CPR)).toThrow();
    expect(() => maskCprInTrace(zipSync({ 'trace.trace': strToU8('{}') }), '9999999999')).toThrow(/not a CPR/);
    expect(() => maskCprInTrace(zipSync({ 'trace.trace': strToU8('{}') }), '25124899.*')).toThrow(/not a CPR/);
  });
});
