/** The repository's root, found from here whether this runs from dev/ (tests) or compiled (npm start). */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export function repoRoot(from: string = __dirname): string {
  let dir = from;
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && /"name":\s*"rezi-email-sync-outlook"/.test(readFileSync(pkg, 'utf8'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`The repository root was not found above ${from}.`);
    dir = up;
  }
}
