// Where the wasm's bytes go, by crate, for the main part and each screen
// part: `twiggy top` on the split pieces before wasm-opt (they still have
// their function names; wasm-bindgen and wasm-opt -Oz shrink every crate
// but keep the proportions roughly), each function counted under the crate
// its name starts with (for `<A as B>::f`, the crate of A, or of B when A is
// a type parameter). Custom sections, name tables and wasm-bindgen's
// describe functions are left out (none is shipped); data segments (string
// constants, translations, tables) are one row.
//
// Run after `trunk build --release`: node bench/crates.mjs [rows=12]
// (needs twiggy: `cargo install twiggy --locked`).
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const ROWS = Number(process.argv[2] || 12);
const DIR = join(process.env.CARGO_TARGET_DIR || 'target', 'split', 'release', 'split');

/** The rows of a CSV line (quoted fields with doubled quotes). */
function fields(line) {
  const out = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') (cur += '"'), i++;
      else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') out.push(cur), (cur = '');
    else cur += c;
  }
  out.push(cur);
  return out;
}

const PRIMITIVE = /^(str|\[|bool|char|[iuf](8|16|32|64|128|size)\b)/;

/** The crate a function's (demangled) name belongs to, or null for what is not shipped. */
export function crateOf(name) {
  if (name.startsWith('data segment') || name === 'data[..]') return '(data)';
  if (name.includes('subsection') || name.startsWith('custom section')) return null;
  // Read by wasm-bindgen at build time and removed by it.
  if (/^__wbindgen_describe/.test(name) || name.startsWith('export ')) return null;
  if (/^(__wbg_|__wbindgen|__externref|intounderlying)/.test(name)) return 'wasm_bindgen';
  if (/^(code|func|elem|table|type|import|export|global|memory)\[/.test(name)) return '(wasm tables)';
  const n = name.replace(/\[[0-9a-f]{16}\]/g, '');
  const path = (p) => {
    const q = p.replace(/^(&|\*const |\*mut |dyn |mut )+/, '');
    if (PRIMITIVE.test(q)) return 'core/alloc (primitives)';
    const m = q.match(/^([A-Za-z_][A-Za-z0-9_]*)::/);
    return m ? m[1] : null;
  };
  const impl = n.match(/^<(.+?) as (.+?)>::/);
  if (impl) return path(impl[1]) ?? path(impl[2]) ?? '(other)';
  const inherent = n.match(/^<(.+?)>::/);
  if (inherent) return path(inherent[1]) ?? '(other)';
  return path(n) ?? '(other)';
}

function byCrate(file) {
  const csv = execFileSync('twiggy', ['top', '-n', '1000000', '-f', 'csv', file], { maxBuffer: 1 << 28 }).toString();
  const sums = new Map();
  let total = 0;
  for (const line of csv.split('\n').slice(1)) {
    if (!line) continue;
    const [name, size] = fields(line);
    const crate = crateOf(name);
    if (!crate) continue;
    if (process.env.SHOW_OTHER && crate === '(other)') console.error(size, name.slice(0, 140));
    sums.set(crate, (sums.get(crate) ?? 0) + Number(size));
    total += Number(size);
  }
  return { total, rows: [...sums.entries()].sort((a, b) => b[1] - a[1]) };
}

const pieces = ['jangkau.wasm', ...readdirSync(DIR).filter((n) => n.startsWith('split_')).sort()];
for (const piece of pieces) {
  const { total, rows } = byCrate(join(DIR, piece));
  console.log(`\n${piece === 'jangkau.wasm' ? 'main part' : piece} — ${(total / 1024).toFixed(0)} KB before wasm-opt\n`);
  console.log('| crate | KB | share |');
  console.log('|---|---:|---:|');
  for (const [crate, size] of rows.slice(0, ROWS)) {
    console.log(`| ${crate} | ${(size / 1024).toFixed(1)} | ${((100 * size) / total).toFixed(0)} % |`);
  }
  const rest = rows.slice(ROWS).reduce((n, [, s]) => n + s, 0);
  if (rest) console.log(`| (${rows.length - ROWS} more) | ${(rest / 1024).toFixed(1)} | ${((100 * rest) / total).toFixed(0)} % |`);
}
