// Prints the README's configuration table from src/config.ts, so the two never drift:
//   npx tsx scripts/config-table.ts
import { settings } from '../src/config.ts';

console.log('| variable | default | meaning |');
console.log('| --- | --- | --- |');
for (const [name, [, def, what]] of Object.entries(settings)) {
  console.log(`| \`${name}\` | ${def === '' ? '(empty)' : `\`${def}\``} | ${what.replace(/\|/g, '\\|')} |`);
}
