// Prints the configuration table of docs/configuration.md from src/config.ts, so the two never drift
// (test/unit/config.test.ts compares them; paste the output between the table's markers):
//   npx tsx scripts/config-table.ts
import { settings } from '../src/config.ts';

console.log('| variable | default | meaning |');
console.log('| --- | --- | --- |');
for (const [name, [, def, what]] of Object.entries(settings)) {
  console.log(`| \`${name}\` | ${def === '' ? '(empty)' : `\`${def}\``} | ${what.replace(/\|/g, '\\|')} |`);
}
