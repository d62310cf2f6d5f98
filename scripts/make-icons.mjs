// Draws Jangkau's app icons as PNG files into public/icons/ (no downloads,
// no image libraries: shapes are signed-distance functions, supersampled for
// smooth edges, and PNG is written with node's zlib).
//
// "any" icons are a rounded square; "maskable" icons fill the canvas and keep
// the mark inside the central 80 % safe zone that launchers may crop to.
//
// Run: node scripts/make-icons.mjs   (the outputs are committed)
import { deflateSync } from 'node:zlib';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BRAND = [0x0f, 0x52, 0x57];
const ACCENT = [0xf2, 0xa5, 0x41];
const WHITE = [0xff, 0xff, 0xff];

const CRC_TABLE = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

export function encodePng(size, rgba) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // filter: none
    rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function segment(px, py, ax, ay, bx, by) {
  const dx = bx - ax, dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

function lowerArc(px, py, cx, cy, r) {
  if (py >= cy) return Math.abs(Math.hypot(px - cx, py - cy) - r);
  return Math.min(Math.hypot(px - cx - r, py - cy), Math.hypot(px - cx + r, py - cy));
}

function roundedSquare(px, py, radius) {
  const qx = Math.abs(px - 0.5) - (0.5 - radius);
  const qy = Math.abs(py - 0.5) - (0.5 - radius);
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - radius;
}

/** Colour at (x, y) in [0,1]², or null for transparent. The mark: a hook
 *  reaching towards a dot — "jangkau" means "reach". */
function shade(x, y, maskable) {
  if (!maskable && roundedSquare(x, y, 0.2) > 0) return null;
  const s = maskable ? 0.8 : 1; // shrink the mark into the safe zone
  const u = 0.5 + (x - 0.5) / s;
  const v = 0.5 + (y - 0.5) / s;
  const stroke = 0.05;
  const hook = Math.min(segment(u, v, 0.6, 0.24, 0.6, 0.58), lowerArc(u, v, 0.46, 0.58, 0.14));
  if (hook < stroke) return WHITE;
  if (Math.hypot(u - 0.34, v - 0.34) < 0.075) return ACCENT;
  return BRAND;
}

export function drawIcon(size, maskable, samples = 4) {
  const rgba = Buffer.alloc(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const c = shade((px + (sx + 0.5) / samples) / size, (py + (sy + 0.5) / samples) / size, maskable);
          if (c) { r += c[0]; g += c[1]; b += c[2]; a += 1; }
        }
      }
      const i = (py * size + px) * 4;
      if (a > 0) {
        rgba[i] = Math.round(r / a);
        rgba[i + 1] = Math.round(g / a);
        rgba[i + 2] = Math.round(b / a);
      }
      rgba[i + 3] = Math.round((255 * a) / (samples * samples));
    }
  }
  return encodePng(size, rgba);
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'public', 'icons');
  mkdirSync(out, { recursive: true });
  for (const size of [192, 512]) {
    writeFileSync(join(out, `icon-${size}.png`), drawIcon(size, false));
    writeFileSync(join(out, `maskable-${size}.png`), drawIcon(size, true));
  }
  console.log(`icons written to ${out}`);
}
