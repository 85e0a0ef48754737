/** The `concur` command line. */
import { Command, CommanderError, Option } from 'commander';
import { checkCommand, type CheckFlags } from './commands/check.js';
import { fixCommand, type FixFlags } from './commands/fix.js';
import { explainCommand, rulesCommand } from './commands/rules.js';
import { EXIT_ERROR } from './exit-status.js';
import { UsageError } from './usage-error.js';
import { VERSION } from './version.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Options `check` and `fix` share: which files, which rules, which Python. */
function addSelectionOptions(command: Command): Command {
  return command
    .option('--select <rules>', 'only these rules: codes (AS101), prefixes (AS) or names, comma-separated; ALL for every rule', collect)
    .option('--extend-select <rules>', 'add rules to those selected by configuration', collect)
    .option('--ignore <rules>', 'leave out these rules (codes, prefixes or names)', collect)
    .option('--exclude <patterns>', 'leave out paths matching these gitignore-style patterns (replaces configured excludes)', collect)
    .option('--extend-exclude <patterns>', 'leave out these paths too, keeping configured excludes', collect)
    .option('--force-exclude', 'apply excludes even to paths named on the command line')
    .option('--no-respect-gitignore', 'analyse files that .gitignore lists')
    .option('--target-version <version>', 'oldest Python the code must run on: py38 ... py314 (default py39)')
    .option('--free-threaded', 'the code runs on a free-threaded build (3.13t or later): threads for pure-Python CPU work')
    .option('--item-timeout <seconds>', 'generated code waits at most this long for each item, then raises TimeoutError')
    .option('--config <file>', 'read settings from this pyproject.toml or concur.toml instead of the nearest one')
    .option('--isolated', 'ignore configuration files')
    .option('--threads <n>', 'worker threads for analysis (default: one per CPU)')
    .addOption(new Option('--color <when>', 'colour output').choices(['auto', 'always', 'never']).default('auto'))
    .option('--exit-zero', 'exit with status 0 even when there are findings');
}

export function buildProgram(): Command {
  const program = new Command('concur')
    .description(
      'Find the work in a Python program that can run concurrently, and the concurrency bugs already in it.\n\n' +
        'Exit status: 0 nothing found, 1 findings, 2 usage error or nothing could be analysed.',
    )
    .version(VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeErr: (text) => process.stderr.write(text) })
    .exitOverride();

  addSelectionOptions(
    program
      .command('check')
      .description('analyse Python files and notebooks and report findings')
      .argument('[paths...]', 'files or directories (default: the current directory)')
      .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'sarif']).default('text'))
      .option('--statistics', 'print a count of findings per rule instead of each finding')
      .option('--show-fixes', 'list the available fixes after the findings')
      .option('-q, --quiet', 'print findings only, no summary or progress'),
  )
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  concur check examples/                 report findings with code frames',
        '  concur check --select AS101 src/       only blocking calls in async code',
        '  concur check --format json . | jq .    the JSON contract (see README)',
        '  concur check --format sarif . > concur.sarif',
        '',
        'Suppress a finding with `# concur: ignore[AS101]` or `# noqa: AS101` on its line;',
        'configure defaults under [tool.concur] in pyproject.toml or in concur.toml.',
      ].join('\n'),
    )
    .action(async (paths: string[], flags: CheckFlags) => {
      process.exitCode = await checkCommand(paths, flags);
    });

  addSelectionOptions(
    program
      .command('fix')
      .description('apply the fixes of findings in place (atomically; encodings and notebooks kept)')
      .argument('[paths...]', 'files or directories (default: the current directory)')
      .option('--diff', 'print a unified diff of the fixes and write nothing')
      .option('--unsafe-fixes', 'also apply fixes marked unsafe (they may change behaviour: read them first)'),
  ).action(async (paths: string[], flags: FixFlags) => {
    process.exitCode = await fixCommand(paths, flags);
  });

  program
    .command('rules')
    .description('list every rule with its code, name and fix availability')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action((flags: { format: string }) => {
      process.exitCode = rulesCommand(flags);
    });

  program
    .command('explain')
    .description("print a rule's documentation: what it finds, why, an example, the fix and its safety")
    .argument('<rule>', 'rule code (AS101) or name (blocking-call-in-async)')
    .action((rule: string) => {
      process.exitCode = explainCommand(rule);
    });

  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  if (argv.length === 0) {
    program.outputHelp();
    return EXIT_ERROR;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit through here with status 0.
      return error.exitCode === 0 ? 0 : EXIT_ERROR;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`concur: error: ${error.message}\n`);
      return EXIT_ERROR;
    }
    throw error;
  }
}
