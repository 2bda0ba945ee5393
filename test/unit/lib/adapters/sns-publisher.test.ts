/**
 * The subject and message SNS accepts: ASCII, one line, under 100 characters, Danish letters
 * transliterated rather than refused; a message within SNS's size limit.
 */
import { describe, expect, it } from 'vitest';
import { SNS_MESSAGE_MAX_BYTES, SNS_SUBJECT_MAX, snsSafeMessage, snsSafeSubject } from '../../../../lib/adapters/sns-publisher.ts';

describe('snsSafeSubject', () => {
  it('transliterates Danish letters and typographic marks, drops accents and puts ? for the rest', () => {
    expect(snsSafeSubject('[FLP prod] infrastructure · PLSP · database down on flp-1')).toBe('[FLP prod] infrastructure - PLSP - database down on flp-1');
    expect(snsSafeSubject('Sundhedsdatastyrelsen · Ærø, Østerbro, Århus – “café” …')).toBe('Sundhedsdatastyrelsen - Aeroe, Oesterbro, Aarhus - "cafe" ...');
    expect(snsSafeSubject('plan ≥ 5 × 日本')).toBe('plan >= 5 x ??');
  });

  it('makes one line of at most 99 characters, never empty', () => {
    expect(snsSafeSubject('one\r\ntwo\tthree')).toBe('one two three');
    const long = snsSafeSubject(`[FLP prod] application · KiAP · ${'create-plan failed; '.repeat(10)}`);
    expect(long.length).toBe(SNS_SUBJECT_MAX);
    expect(long.endsWith('...')).toBe(true);
    expect(snsSafeSubject('\n\n')).toBe('(no subject)');
    for (const s of [long, snsSafeSubject('ø'.repeat(200))]) expect(s).toMatch(/^[\x20-\x7e]{1,99}$/);
  });
});

describe('snsSafeMessage', () => {
  it('keeps a page as it is and cuts one beyond SNS\'s limit, saying so', () => {
    expect(snsSafeMessage('What broke: database down')).toBe('What broke: database down');
    const cut = snsSafeMessage('æ'.repeat(SNS_MESSAGE_MAX_BYTES));
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(SNS_MESSAGE_MAX_BYTES);
    expect(cut.endsWith('[cut: the message was longer than SNS allows]')).toBe(true);
    expect(cut).not.toContain('\uFFFD');
  });
});
