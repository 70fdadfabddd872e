#!/usr/bin/env node
// Draws the add-in icons (a teal rounded square with a white envelope and a "send" arrow badge)
// and writes them as PNGs into assets/. Shapes are defined in unit coordinates and anti-aliased
// by supersampling, so every size is drawn from the same geometry rather than scaled bitmaps.
// Usage: node scripts/make-icons.mjs [outDir]
import { writeFileSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const TEAL = [0x00, 0xa3, 0xa1];
const WHITE = [0xff, 0xff, 0xff];
const SIZES = [16, 25, 32, 48, 64, 80, 128];

// ---- PNG encoding (RGBA, 8 bits per channel, no interlace) ----

const CRC_TABLE = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

export function encodePng(width, height, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type RGBA
  // compression, filter and interlace methods stay 0
  const stride = width * 4;
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (stride + 1)] = 0; // filter: none
    rgba.copy(raw, y * (stride + 1) + 1, y * stride, (y + 1) * stride);
  }
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

// ---- Geometry in unit coordinates (0..1, y downwards) ----

function inRoundedRect(x, y, x0, y0, x1, y1, r) {
  if (x < x0 || x > x1 || y < y0 || y > y1) return false;
  const cx = Math.min(Math.max(x, x0 + r), x1 - r);
  const cy = Math.min(Math.max(y, y0 + r), y1 - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
}

function distToSegment(px, py, ax, ay, bx, by) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

const ENV = { x0: 0.15, y0: 0.24, x1: 0.73, y1: 0.64 };
const BADGE = { cx: 0.71, cy: 0.7, r: 0.19, gap: 0.05 };

/** Colour of one sample point, or null for transparent. Later shapes paint over earlier ones. */
function sample(x, y) {
  if (!inRoundedRect(x, y, 0.02, 0.02, 0.98, 0.98, 0.2)) return null;
  let colour = TEAL;
  if (inRoundedRect(x, y, ENV.x0, ENV.y0, ENV.x1, ENV.y1, 0.04)) {
    colour = WHITE;
    const flap = distToSegment(x, y, ENV.x0, ENV.y0, (ENV.x0 + ENV.x1) / 2, 0.46);
    const flap2 = distToSegment(x, y, (ENV.x0 + ENV.x1) / 2, 0.46, ENV.x1, ENV.y0);
    if (Math.min(flap, flap2) < 0.035) colour = TEAL;
  }
  const d = Math.hypot(x - BADGE.cx, y - BADGE.cy);
  if (d <= BADGE.r + BADGE.gap) colour = TEAL; // a teal ring separates the badge from the envelope
  if (d <= BADGE.r) {
    colour = WHITE;
    const shaft = x >= BADGE.cx - 0.1 && x <= BADGE.cx + 0.02 && Math.abs(y - BADGE.cy) <= 0.035;
    const tipX = BADGE.cx + 0.11;
    const baseX = BADGE.cx;
    const head = x >= baseX && x <= tipX && Math.abs(y - BADGE.cy) <= 0.085 * ((tipX - x) / (tipX - baseX));
    if (shaft || head) colour = TEAL;
  }
  return colour;
}

export function drawIcon(size, supersample = 8) {
  const rgba = Buffer.alloc(size * size * 4);
  const n = supersample * supersample;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let covered = 0;
      for (let sy = 0; sy < supersample; sy++) {
        for (let sx = 0; sx < supersample; sx++) {
          const c = sample((px + (sx + 0.5) / supersample) / size, (py + (sy + 0.5) / supersample) / size);
          if (!c) continue;
          r += c[0];
          g += c[1];
          b += c[2];
          covered++;
        }
      }
      const i = (py * size + px) * 4;
      if (covered) {
        rgba[i] = Math.round(r / covered);
        rgba[i + 1] = Math.round(g / covered);
        rgba[i + 2] = Math.round(b / covered);
        rgba[i + 3] = Math.round((255 * covered) / n);
      }
    }
  }
  return encodePng(size, size, rgba);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const outDir = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'assets');
  mkdirSync(outDir, { recursive: true });
  for (const size of SIZES) {
    const file = join(outDir, `icon-${size}.png`);
    writeFileSync(file, drawIcon(size));
    console.log(`wrote ${file}`);
  }
  writeFileSync(join(outDir, 'logo-filled.png'), drawIcon(256));
  console.log(`wrote ${join(outDir, 'logo-filled.png')}`);
}
