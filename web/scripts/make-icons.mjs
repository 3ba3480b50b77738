// Draws the app's icons (a palace: a roof over four columns on a night-blue field) as PNG files, with
// no image library: pixels are computed here and written as a PNG (zlib from Node). Run it when the
// design changes; its output under public/icons is committed.
// Usage: node web/scripts/make-icons.mjs
import { writeFileSync } from "node:fs";
import { deflateSync } from "node:zlib";

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (bytes) => {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type, data) => {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
};

function png(size, pixel) {
  const rows = [];
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 4);
    for (let x = 0; x < size; x++) row.set(pixel((x + 0.5) / size, (y + 0.5) / size), 1 + x * 4);
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(Buffer.concat(rows), { level: 9 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** The palace, in a unit square; `inset` shrinks it toward the centre (maskable icons need a margin). */
function palace(inset, rounded) {
  return (u, v) => {
    const x = (u - 0.5) / (1 - 2 * inset) + 0.5;
    const y = (v - 0.5) / (1 - 2 * inset) + 0.5;
    // The field: a rounded square (or full bleed for maskable), night blue fading to indigo.
    const r = 0.18;
    const dx = Math.max(Math.abs(u - 0.5) - (0.5 - r), 0);
    const dy = Math.max(Math.abs(v - 0.5) - (0.5 - r), 0);
    if (rounded && dx * dx + dy * dy > r * r) return [0, 0, 0, 0];
    const field = [31 + 30 * v, 35 + 20 * v, 64 + 60 * v, 255];
    const gold = [255, 214, 120, 255];
    const white = [240, 240, 255, 255];
    // Roof: a triangle; base and steps: bars; four columns between them.
    const roof = y > 0.2 && y < 0.36 && Math.abs(x - 0.5) < (y - 0.2) * (0.34 / 0.16);
    const frieze = y >= 0.37 && y < 0.42 && x > 0.18 && x < 0.82;
    const steps =
      (y >= 0.74 && y < 0.78 && x > 0.17 && x < 0.83) || (y >= 0.79 && y < 0.83 && x > 0.13 && x < 0.87);
    const column = y >= 0.44 && y < 0.72 && [0.26, 0.42, 0.58, 0.74].some((cx) => Math.abs(x - cx) < 0.045);
    if (roof) return gold;
    if (frieze || steps || column) return white;
    return field.map(Math.round);
  };
}

const out = new URL("../public/icons/", import.meta.url);
for (const size of [192, 512]) {
  writeFileSync(new URL(`icon-${size}.png`, out), png(size, palace(0, true)));
  writeFileSync(new URL(`maskable-${size}.png`, out), png(size, palace(0.1, false)));
}
console.log("icons written to", out.pathname);
