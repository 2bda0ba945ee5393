/**
 * A check of JUnit XML against the rules of the Jenkins xUnit plugin's `junit-10.xsd` (the
 * schema Jenkins, GitLab and the GitHub JUnit report actions read), written out as data because
 * this machine has no XSD validator (no `xmllint`, none in node_modules). It parses the document
 * strictly (well-formed XML 1.0: one root, matched tags, quoted and unique attributes, only the
 * five predefined entities and character references, no raw `<` or `&`, only characters XML
 * allows), then holds every element to the schema: which elements may appear inside which,
 * which attributes each declares (any other is invalid) and which it requires, text only in the
 * mixed elements, the SUREFIRE_TIME pattern of suite times; and finally the counts a CI tool
 * shows: each suite's `tests`, `failures`, `errors` and `skipped` against its testcases, and the
 * `<testsuites>` totals against its suites.
 */

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** The element's own text (character data directly inside it), entities decoded. */
  text: string;
}

const NAME = /^[A-Za-z_][\w.-]*/;
const INVALID_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** Decodes the references of text or an attribute value; throws on a raw `<` or a bad `&`. */
function decode(raw: string, where: string): string {
  if (raw.includes('<')) throw new Error(`raw "<" in ${where}`);
  return raw.replace(/&([^;]*);?/g, (m, ref: string) => {
    if (!m.endsWith(';')) throw new Error(`unterminated "&" in ${where}: ${m.slice(0, 12)}`);
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (ref in named) return named[ref]!;
    const num = /^#(\d+)$/.exec(ref) ?? null;
    const hex = /^#x([0-9A-Fa-f]+)$/.exec(ref) ?? null;
    const cp = num ? Number(num[1]) : hex ? parseInt(hex[1]!, 16) : NaN;
    if (!Number.isFinite(cp) || cp > 0x10ffff) throw new Error(`unknown reference &${ref}; in ${where}`);
    const ch = String.fromCodePoint(cp);
    if (INVALID_CHAR.test(ch)) throw new Error(`reference to a character XML does not allow (&${ref};) in ${where}`);
    return ch;
  });
}

/** Parses the subset of XML 1.0 a JUnit report uses (declaration, elements, attributes, text); throws on anything not well-formed. */
export function parseXml(xml: string): XmlElement {
  if (INVALID_CHAR.test(xml)) throw new Error('a character XML does not allow');
  let i = 0;
  const decl = /^<\?xml\s+version="1\.0"(\s+encoding="UTF-8")?\s*\?>/.exec(xml);
  if (decl) i = decl[0].length;
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const text = xml.slice(i, lt === -1 ? xml.length : lt);
    if (text) {
      const top = stack.at(-1);
      if (!top) {
        if (text.trim()) throw new Error(`text outside the root element: ${text.trim().slice(0, 30)}`);
      } else top.text += decode(text, `<${top.name}>`);
    }
    if (lt === -1) break;
    i = lt;
    if (xml.startsWith('</', i)) {
      const m = /^<\/([A-Za-z_][\w.-]*)\s*>/.exec(xml.slice(i));
      if (!m) throw new Error(`bad end tag at ${i}`);
      const open = stack.pop();
      if (!open || open.name !== m[1]) throw new Error(`</${m[1]}> closes <${open?.name ?? 'nothing'}>`);
      i += m[0].length;
      continue;
    }
    if (xml.startsWith('<!', i) || xml.startsWith('<?', i)) throw new Error(`unexpected markup at ${i}: ${xml.slice(i, i + 12)}`);
    i++;
    const name = NAME.exec(xml.slice(i))?.[0];
    if (!name) throw new Error(`bad start tag at ${i - 1}`);
    i += name.length;
    const el: XmlElement = { name, attributes: {}, children: [], text: '' };
    for (;;) {
      const ws = /^\s*/.exec(xml.slice(i))![0];
      i += ws.length;
      if (xml.startsWith('/>', i)) {
        i += 2;
        break;
      }
      if (xml.startsWith('>', i)) {
        i += 1;
        stack.push(el);
        break;
      }
      if (!ws) throw new Error(`no space before an attribute of <${name}>`);
      const a = /^([A-Za-z_][\w.:-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/.exec(xml.slice(i));
      if (!a) throw new Error(`bad attribute in <${name}> at ${i}: ${xml.slice(i, i + 20)}`);
      if (a[1]! in el.attributes) throw new Error(`duplicate attribute ${a[1]} in <${name}>`);
      // Attribute-value normalization: a literal tab or line break becomes a space.
      el.attributes[a[1]!] = decode((a[2] ?? a[3]!).replace(/[\t\n\r]/g, ' '), `${name}@${a[1]}`);
      i += a[0].length;
    }
    const parent = stack.at(el === stack.at(-1) ? -2 : -1);
    if (parent && parent !== el) parent.children.push(el);
    else if (!parent) {
      if (root) throw new Error(`a second root element <${name}>`);
      root = el;
    }
  }
  if (stack.length) throw new Error(`<${stack.at(-1)!.name}> is never closed`);
  if (!root) throw new Error('no root element');
  return root;
}

interface ElementRule {
  /** Declared attributes; `true` when required. */
  attributes: Record<string, boolean>;
  /** Elements allowed inside (any order, any number: the schema's choices are unbounded). */
  children: readonly string[];
  /** Character data allowed (a mixed or simple-content element). */
  text: boolean;
}

const OUTCOME: ElementRule = { attributes: { type: false, message: false }, children: [], text: true };
const RERUN: ElementRule = { attributes: { message: false, type: true }, children: ['stackTrace', 'system-out', 'system-err'], text: true };
const SIMPLE: ElementRule = { attributes: {}, children: [], text: true };

/** junit-10.xsd, element by element. */
export const JUNIT_10: Readonly<Record<string, ElementRule>> = {
  testsuites: { attributes: { name: false, time: false, tests: false, failures: false, errors: false }, children: ['testsuite'], text: false },
  testsuite: {
    attributes: { name: true, tests: true, failures: true, errors: true, group: false, time: false, skipped: false, timestamp: false, hostname: false, id: false, package: false, file: false, log: false, url: false },
    children: ['testsuite', 'properties', 'testcase', 'system-out', 'system-err'],
    text: false,
  },
  properties: { attributes: {}, children: ['property'], text: false },
  property: { attributes: { name: true, value: true }, children: [], text: false },
  testcase: {
    attributes: { name: true, time: false, classname: false, group: false },
    children: ['skipped', 'error', 'failure', 'rerunFailure', 'rerunError', 'flakyFailure', 'flakyError', 'system-out', 'system-err'],
    text: false,
  },
  failure: OUTCOME,
  error: OUTCOME,
  skipped: OUTCOME,
  rerunFailure: RERUN,
  rerunError: RERUN,
  flakyFailure: RERUN,
  flakyError: RERUN,
  stackTrace: SIMPLE,
  'system-out': SIMPLE,
  'system-err': SIMPLE,
};

/** The schema's SUREFIRE_TIME (`time` of testsuite and testsuites), anchored as XSD patterns are. */
export const SUREFIRE_TIME = /^(([0-9]{0,3},)*[0-9]{3}|[0-9]{0,3})*(\.[0-9]*)?$/;

/** Every way the document breaks junit-10.xsd or miscounts; empty when it is valid. */
export function junitProblems(xml: string): string[] {
  let root: XmlElement;
  try {
    root = parseXml(xml);
  } catch (e) {
    return [`not well-formed: ${(e as Error).message}`];
  }
  const problems: string[] = [];
  if (root.name !== 'testsuites') problems.push(`root is <${root.name}>, not <testsuites>`);
  const walk = (el: XmlElement, where: string) => {
    const rule = JUNIT_10[el.name];
    if (!rule) return problems.push(`${where}: <${el.name}> is not in the schema`);
    for (const a of Object.keys(el.attributes)) if (!(a in rule.attributes)) problems.push(`${where}: attribute ${a} is not declared for <${el.name}>`);
    for (const [a, required] of Object.entries(rule.attributes)) if (required && !(a in el.attributes)) problems.push(`${where}: <${el.name}> lacks required attribute ${a}`);
    if (!rule.text && el.text.trim()) problems.push(`${where}: <${el.name}> holds text`);
    if ((el.name === 'testsuite' || el.name === 'testsuites') && el.attributes.time !== undefined && !SUREFIRE_TIME.test(el.attributes.time))
      problems.push(`${where}: time "${el.attributes.time}" is no SUREFIRE_TIME`);
    el.children.forEach((c, k) => {
      if (!rule.children.includes(c.name)) problems.push(`${where}: <${c.name}> may not appear inside <${el.name}>`);
      walk(c, `${where}/${c.name}[${k}]`);
    });
    return undefined;
  };
  walk(root, root.name);
  // The counts a CI tool shows.
  const int = (el: XmlElement, a: string) => (/^\d+$/.test(el.attributes[a] ?? '') ? Number(el.attributes[a]) : NaN);
  const suites = root.children.filter((c) => c.name === 'testsuite');
  const totals = { tests: 0, failures: 0, errors: 0 };
  for (const s of suites) {
    const cases = s.children.filter((c) => c.name === 'testcase');
    const having = (kind: string) => cases.filter((c) => c.children.some((o) => o.name === kind)).length;
    const expected = { tests: cases.length, failures: having('failure'), errors: having('error'), skipped: having('skipped') };
    for (const [a, n] of Object.entries(expected)) if (int(s, a) !== n) problems.push(`testsuite ${s.attributes.name}: ${a}="${s.attributes[a]}" but ${n} testcases`);
    totals.tests += expected.tests;
    totals.failures += expected.failures;
    totals.errors += expected.errors;
    for (const c of cases) {
      const outcomes = c.children.filter((o) => ['failure', 'error', 'skipped'].includes(o.name));
      if (outcomes.length > 1) problems.push(`testcase ${c.attributes.name}: ${outcomes.length} outcomes`);
      if (c.attributes.time !== undefined && !/^\d+(\.\d+)?$/.test(c.attributes.time)) problems.push(`testcase ${c.attributes.name}: time "${c.attributes.time}" is not seconds`);
    }
  }
  for (const [a, n] of Object.entries(totals)) if (root.attributes[a] !== undefined && int(root, a) !== n) problems.push(`testsuites: ${a}="${root.attributes[a]}" but ${n}`);
  return problems;
}

/** Every element named `name`, depth first. */
export function elements(root: XmlElement, name: string): XmlElement[] {
  return [...(root.name === name ? [root] : []), ...root.children.flatMap((c) => elements(c, name))];
}
