#!/usr/bin/env node
// House rules that the type checker does not enforce (the team's "How we write code"):
//  - no `any` without a comment saying why (on the same line or the line before);
//  - every `switch` ends in an exhaustiveness check (`never`) or a default that handles the rest;
//  - engine/ never imports React, Next, xyflow or Monaco, nor nodes/ (node kinds depend on the
//    engine's contract, never the other way round; hooks such as registerLayers are passed in);
//  - no TypeScript file under engine/ holds a program (Python or TypeScript) in a string: exported
//    programs are real files (engine/export/templates/, read with `?raw` imports).
// Prints each problem as file:line and exits 1 when there is any.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const root = path.resolve(import.meta.dirname, '..');
const DIRS = ['engine', 'nodes', 'cli', 'components', 'app', 'templates', 'scripts', 'bench'];
const problems = [];

function walk(dir) {
  let out = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out = out.concat(walk(p));
    else if (/\.(ts|tsx)$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Index of the brace that closes the one opened at `open`. */
function closing(text, open) {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return i;
  }
  return text.length;
}

// A line that starts a Python or TypeScript program: def, class, import, from … import, function.
const PROGRAM_LINE = /^[ \t]*(?:def \w+ ?\(|class \w+ ?[(:{]|import [\w*{'"]|from [\w.]+ import |(?:export )?(?:async )?function\*? ?\w* ?[(<])/m;

/** Line numbers of string literals (of more than one line) that hold a line starting a program. */
function programStrings(rel, text) {
  const found = [];
  const source = ts.createSourceFile(rel, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const visit = (node) => {
    let value;
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) value = node.text;
    else if (ts.isTemplateExpression(node)) value = [node.head.text, ...node.templateSpans.map((s) => s.literal.text)].join('${…}');
    if (value !== undefined && value.includes('\n') && PROGRAM_LINE.test(value)) found.push(source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1);
    else ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

for (const dir of DIRS) {
  const abs = path.join(root, dir);
  try {
    statSync(abs);
  } catch {
    continue;
  }
  for (const file of walk(abs)) {
    const rel = path.relative(root, file);
    const text = readFileSync(file, 'utf8');
    const lines = text.split('\n');
    lines.forEach((line, i) => {
      const code = line.replace(/\/\/.*$/, '').replace(/'[^']*'|"[^"]*"|`[^`]*`/g, "''");
      if (/(:\s*any\b|\bas any\b|<any>|any\[\])/.test(code)) {
        const commented = /\/\/|\/\*/.test(line) || /^\s*(\/\/|\*|\/\*)/.test(lines[i - 1] ?? '');
        if (!commented) problems.push(`${rel}:${i + 1}: \`any\` without a comment saying why`);
      }
    });
    if (rel.startsWith('engine/')) {
      const m = text.match(/from ['"](react|react-dom|next(\/[^'"]*)?|@xyflow\/react|monaco-editor|@monaco-editor\/react)['"]/);
      if (m) problems.push(`${rel}: engine/ must not import ${m[1]}`);
      for (const imp of text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) {
        const spec = imp[1];
        const target = spec.startsWith('@/') ? spec.slice(2) : spec.startsWith('.') ? path.relative(root, path.resolve(path.dirname(path.join(root, rel)), spec)).split(path.sep).join('/') : '';
        if (target === 'nodes' || target.startsWith('nodes/')) problems.push(`${rel}: engine/ must not import nodes/ (${spec})`);
      }
    }
    // Programs are files (templates, a kind's layer.ts / keras.py / torch.py read with ?raw), never strings.
    if (rel.startsWith('engine/') || rel.startsWith('nodes/')) {
      for (const line of programStrings(rel, text)) problems.push(`${rel}:${line}: a program in a string (write it as a file — engine/export/templates/ or the kind's folder — and import it with ?raw)`);
    }
    const re = /\bswitch\s*\(/g;
    let m;
    while ((m = re.exec(text))) {
      const open = text.indexOf('{', m.index);
      const body = text.slice(open, closing(text, open));
      if (!/\bnever\b/.test(body) && !/\bdefault\s*:/.test(body)) {
        problems.push(`${rel}:${text.slice(0, m.index).split('\n').length}: switch without an exhaustiveness check`);
      }
    }
  }
}

for (const p of problems) console.log(p);
console.log(problems.length ? `lint: ${problems.length} problem(s)` : 'lint: clean');
process.exit(problems.length ? 1 : 0);
