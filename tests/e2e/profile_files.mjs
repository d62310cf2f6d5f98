// Reading a browser profile's files for text that must never be there
// (typed answers), for the suites that check what the browser keeps.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

function* filesUnder(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    let info;
    try {
      info = statSync(path);
    } catch {
      continue; // a lock file that vanished
    }
    if (info.isDirectory()) yield* filesUnder(path);
    else if (info.isFile()) yield path;
  }
}

/**
 * Every file of the profile holding one of `needles`: each `[text, encodings]`
 * is looked for as bytes in those encodings.
 */
export function scanProfile(profile, needles) {
  const hits = [];
  let files = 0;
  for (const file of filesUnder(profile)) {
    let bytes;
    try {
      bytes = readFileSync(file);
    } catch {
      continue;
    }
    files += 1;
    for (const [needle, encodings] of needles) {
      for (const encoding of encodings) {
        if (bytes.includes(Buffer.from(needle, encoding))) hits.push(`${file.slice(profile.length)}: ${needle} (${encoding})`);
      }
    }
  }
  return { hits, files };
}
