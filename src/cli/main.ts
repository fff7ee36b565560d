// The podfn command-line tool: parses the command, runs it, and turns every failure into one stderr
// line plus a hint and a documented exit code (see errors.ts). It talks to the gateway over HTTP and to
// Podman over its API socket for builds. Imports only node built-ins, src/cli/* (its own dockerode-free
// HTTP clients) and src/config.ts (the shared socket default); `server start` runs src/main.ts via spawn.
import { CliError, EXIT, usage } from './errors.ts';
import { HELP } from './help.ts';
import { apps } from './commands/apps.ts';
import { routes } from './commands/routes.ts';
import { rollback } from './commands/rollback.ts';
import { config } from './commands/config.ts';
import { secrets } from './commands/secrets.ts';
import { call } from './commands/call.ts';
import { calls } from './commands/calls.ts';
import { init } from './commands/init.ts';
import { build } from './commands/build.ts';
import { deploy } from './commands/deploy.ts';
import { server } from './commands/server.ts';
import { base } from './commands/base.ts';
import { VERSION } from '../version.ts';

const COMMANDS: Record<string, (argv: string[]) => Promise<void | number>> = {
  apps,
  routes,
  rollback,
  config,
  secrets,
  call,
  calls,
  init,
  build,
  deploy,
  base,
  server,
};

export async function run(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === 'help' || cmd === '--help' || cmd === '-h' || rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(HELP);
    return cmd ? EXIT.OK : EXIT.USAGE;
  }
  if (cmd === 'version' || cmd === '--version') {
    process.stdout.write(rest.includes('--json') ? `${JSON.stringify({ version: VERSION })}\n` : `podfn ${VERSION}\n`);
    return EXIT.OK;
  }
  const fn = COMMANDS[cmd];
  try {
    if (!fn) throw usage(`unknown command: ${cmd}`);
    const code = await fn(rest);
    return typeof code === 'number' ? code : EXIT.OK;
  } catch (e) {
    if (e instanceof CliError) {
      process.stderr.write(`podfn: ${e.message}\n`);
      if (e.hint) process.stderr.write(`  hint: ${e.hint}\n`);
      return e.code;
    }
    process.stderr.write(`podfn: unexpected error: ${(e as Error).stack ?? String(e)}\n`);
    return EXIT.FAILED;
  }
}

const isMain = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain || process.env.PODFN_CLI_MAIN === '1') {
  void run(process.argv.slice(2)).then((code) => {
    // Let stdout drain before exiting (piped output would be cut otherwise).
    process.exitCode = code;
  });
}
