import fs from 'node:fs';
import path from 'node:path';

/** The e2e suites run the built engine: fail early and clearly if it was not built. */
export default function globalSetup(): void {
  const main = path.join(__dirname, '..', '..', 'dist', 'src', 'main.js');
  if (!fs.existsSync(main)) throw new Error('dist/src/main.js is missing: run `npm run build` first (npm test does)');
  const database = process.env.MONGODB_URI
    ? 'a real mongod (MONGODB_URI)'
    : "Osteon's embedded database (journal + snapshot; set MONGODB_URI for a real mongod)";
  process.stdout.write(`\nStorage and e2e suites run against ${database}.\n`);
}
