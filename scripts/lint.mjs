#!/usr/bin/env node
// House rules that the type checker does not enforce (see README, "How we write code"):
//  - no `any` without a comment saying why (on the same line or the line before);
//  - every `switch` ends in an exhaustiveness check (`never`) or a default that handles the rest;
//  - engine/ never imports React, Next, xyflow or Monaco.
// Prints each problem as file:line and exits 1 when there is any.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

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
