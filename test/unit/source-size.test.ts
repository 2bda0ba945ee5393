/**
 * Files that fit in a head: no source file of lib/, probes/, cdk/ or sandbox/ is over 400
 * lines, and no function in them spans more than 120 (its first line to its last; a nested
 * function counts in its own right and inside its parent, so a long closure must really be
 * taken apart, not just moved inward).
 */
import path from 'node:path';
import { parse } from '@babel/parser';
import { describe, expect, it } from 'vitest';
import { readSources } from '../support/layers.ts';

const MAX_FILE_LINES = 400;
const MAX_FUNCTION_LINES = 120;

const root = path.resolve(import.meta.dirname, '../..');
const sources = readSources(root);

const FUNCTION_TYPES = new Set([
  'FunctionDeclaration',
  'FunctionExpression',
  'ArrowFunctionExpression',
  'ClassMethod',
  'ClassPrivateMethod',
  'ObjectMethod',
]);

interface Node {
  type: string;
  loc?: { start: { line: number }; end: { line: number } } | null;
  [key: string]: unknown;
}

export interface FunctionSpan {
  name: string;
  line: number;
  lines: number;
}

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && typeof (value as Node).type === 'string';
}

function keyName(key: unknown): string | null {
  if (!isNode(key)) return null;
  if (key.type === 'Identifier') return key.name as string;
  if (key.type === 'PrivateName' && isNode(key.id)) return `#${key.id.name as string}`;
  if (key.type === 'StringLiteral' || key.type === 'NumericLiteral') return String(key.value);
  return null;
}

/** A function's name: its own, else the binding, property or method it is assigned to. */
function nameOf(fn: Node, parent: Node | null): string {
  const own = keyName(fn.id) ?? (fn.type === 'ClassMethod' || fn.type === 'ClassPrivateMethod' || fn.type === 'ObjectMethod' ? keyName(fn.key) : null);
  if (own) return own;
  if (parent?.type === 'VariableDeclarator') return keyName(parent.id) ?? '<anonymous>';
  if (parent?.type === 'ObjectProperty' || parent?.type === 'ClassProperty' || parent?.type === 'ClassPrivateProperty') return keyName(parent.key) ?? '<anonymous>';
  if (parent?.type === 'AssignmentExpression' && isNode(parent.left)) {
    const left = parent.left;
    if (left.type === 'MemberExpression') return keyName(left.property) ?? '<anonymous>';
    return keyName(left) ?? '<anonymous>';
  }
  if (parent?.type === 'CallExpression' && isNode(parent.callee)) {
    const callee = parent.callee;
    const called = callee.type === 'MemberExpression' ? keyName(callee.property) : keyName(callee);
    return `<callback of ${called ?? 'call'}>`;
  }
  return '<anonymous>';
}

/** Every function in a TypeScript or ES module source, nested ones included. */
export function functionsOf(source: string): FunctionSpan[] {
  const ast = parse(source, { sourceType: 'module', plugins: ['typescript'] });
  const out: FunctionSpan[] = [];
  const visit = (node: Node, parent: Node | null) => {
    if (FUNCTION_TYPES.has(node.type) && node.loc) {
      out.push({ name: nameOf(node, parent), line: node.loc.start.line, lines: node.loc.end.line - node.loc.start.line + 1 });
    }
    for (const [key, value] of Object.entries(node)) {
      if (key === 'loc' || key === 'leadingComments' || key === 'trailingComments' || key === 'innerComments') continue;
      if (Array.isArray(value)) for (const v of value) if (isNode(v)) visit(v, node);
      if (isNode(value)) visit(value, node);
    }
  };
  visit(ast.program as unknown as Node, null);
  return out;
}

function lineCount(text: string): number {
  // As `wc -l` counts: a final newline ends the last line rather than starting another.
  return text.endsWith('\n') ? text.split('\n').length - 1 : text.split('\n').length;
}

describe('the size of the sources', () => {
  it(`keeps every file of lib/, probes/, cdk/ and sandbox/ within ${MAX_FILE_LINES} lines`, () => {
    expect(sources.size).toBeGreaterThan(80);
    const long = [...sources]
      .map(([file, text]) => [file, lineCount(text)] as const)
      .filter(([, n]) => n > MAX_FILE_LINES)
      .map(([file, n]) => `${file} (${n} lines)`);
    expect(long).toEqual([]);
  });

  it(`keeps every function within ${MAX_FUNCTION_LINES} lines, nested ones counted in their own right`, () => {
    const long = [...sources].flatMap(([file, text]) =>
      functionsOf(text)
        .filter((f) => f.lines > MAX_FUNCTION_LINES)
        .map((f) => `${file}:${f.line} ${f.name} (${f.lines} lines)`),
    );
    expect(long).toEqual([]);
  });

  it('finds functions of every kind, named by what holds them, and a closure inside its parent', () => {
    const source = [
      'export function outer() {',
      '  const inner = () => {',
      '    return 1;',
      '  };',
      '  return inner;',
      '}',
      'class A { run() { return 1; } #hidden() { return 2; } }',
      'const o = { m() { return 3; }, p: function () { return 4; } };',
      '[1].map((x) => x);',
    ].join('\n');
    expect(functionsOf(source).map((f) => `${f.line} ${f.name} (${f.lines} lines)`)).toEqual([
      '1 outer (6 lines)',
      '2 inner (3 lines)',
      '7 run (1 lines)',
      '7 #hidden (1 lines)',
      '8 m (1 lines)',
      '8 p (1 lines)',
      '9 <callback of map> (1 lines)',
    ]);
  });
});
