/** The `concur` command line. */
import { Command, CommanderError, Option } from 'commander';
import { checkCommand, type CheckFlags } from './commands/check.js';
import { fixCommand, type FixFlags } from './commands/fix.js';
import { DEFAULT_MIN_SPEEDUP, optimizeCommand, type OptimizeFlags } from './commands/optimize.js';
import { DEFAULT_PROFILE_TIMEOUT_SECONDS, profileCommand, type ProfileFlags } from './commands/profile.js';
import { profileHelp, splitProfileOperands } from './profile-arguments.js';
import { explainCommand, rulesCommand } from './commands/rules.js';
import { DEFAULT_RUNS, DEFAULT_STRESS_RUNS, DEFAULT_SWEEP_RUNS, DEFAULT_TIMEOUT_SECONDS, DEFAULT_WARMUP, verifyCommand, type VerifyFlags } from './commands/verify.js';
import { DEFAULT_SWEEP_MAX } from '../verify/sweep.js';
import { EXIT_ERROR } from './exit-status.js';
import { rememberInvocation } from './report-option.js';
import { UsageError } from './usage-error.js';
import { VERSION } from './version.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

const REPORT_HELP = 'also write a report to FILE: .html (one self-contained page, with charts) or .md (Markdown for a pull request)';

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
    .option('--item-timeout <seconds>', 'generated code gives each item at most this long, then raises TimeoutError')
    .option('--config <file>', 'read settings from this pyproject.toml or concur.toml instead of the nearest one')
    .option('--isolated', 'ignore configuration files')
    .option('--threads <n>', 'worker threads for analysis (default: one per CPU)')
    .addOption(new Option('--color <when>', 'colour output').choices(['auto', 'always', 'never']).default('auto'))
    .option('--exit-zero', 'exit with status 0 even when there are findings')
    .option('--profile <file>', 'refine loop plans with a profile written by `concur profile` (see `concur profile --help`)');
}

/** Options `verify` and `optimize` share with `fix`: which fixes make the rewrite, and for which Python. */
function addRewriteOptions(command: Command): Command {
  return command
    .option('--select <rules>', 'only the fixes of these rules (codes, prefixes or names)', collect)
    .option('--extend-select <rules>', 'add rules to those selected by configuration', collect)
    .option('--ignore <rules>', 'leave out the fixes of these rules', collect)
    .option('--target-version <version>', 'oldest Python the rewrite must run on: py38 ... py314 (default py39)')
    .option('--free-threaded', 'the code runs on a free-threaded build (3.13t or later)')
    .option('--item-timeout <seconds>', 'rewritten loops and comprehensions give each item at most this long')
    .option('--config <file>', 'read settings from this pyproject.toml or concur.toml instead of the nearest one')
    .option('--isolated', 'ignore configuration files')
    .option('--threads <n>', 'worker threads for the analysis (default: one per CPU)')
    .addOption(new Option('--color <when>', 'colour output').choices(['auto', 'always', 'never']).default('auto'));
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
      .option('-q, --quiet', 'print findings only, no summary or progress')
      .option('--report <file>', REPORT_HELP),
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
        '  concur check --report report.html .    also an HTML report: findings, plans, loops',
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
      .option('--unsafe-fixes', 'also apply fixes marked unsafe (they may change behaviour: read them first)')
      .option('--report <file>', REPORT_HELP),
  ).action(async (paths: string[], flags: FixFlags) => {
    process.exitCode = await fixCommand(paths, flags);
  });

  addRewriteOptions(
    program
      .command('verify')
      .description(
        'run the original program and its rewrite in isolated copies, compare their outputs and measure them\n\n' +
          'Exit status: 0 outputs equal; 1 outputs differ, the rewrite timed out or could not start, or the stress runs found a race or a hang; ' +
          '2 usage error, nothing to rewrite, or the original itself could not run.',
      )
      .usage('[options] PATH -- CMD [ARGS...]')
      .argument('<path>', 'the file or directory to rewrite; its directory (or the directory itself) is the project copied')
      .argument('[command...]', 'the command to run in each copy (after --; runs in the copy, so paths relative to the project work)')
      .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
      .option('--runs <n>', 'timed runs of each program, interleaved original/rewrite', String(DEFAULT_RUNS))
      .option('--warmup <n>', 'untimed runs of each program first (their outputs are compared too)', String(DEFAULT_WARMUP))
      .option('--timeout <seconds>', 'kill a run (its whole process group) after this long', String(DEFAULT_TIMEOUT_SECONDS))
      .option('--output-dir <dir>', 'compare the files the program writes under this directory (relative to the project)')
      .option('--compare-stderr', 'compare stderr too (by default only exit status, stdout and the output directory)')
      .option('--candidate <dir>', 'compare against this already-rewritten copy of the project instead of concur\'s rewrite')
      .option('--unsafe-fixes', 'also apply fixes marked unsafe, as `concur fix --unsafe-fixes` does')
      .option('--sweep', 'also run the rewrite at 1, 2, 4, ... workers up to the CPUs (further for threads and asyncio): scaling, efficiency, Amdahl fit')
      .option('--sweep-workers <list>', 'the worker counts of the sweep instead, comma-separated (1,2,8); implies --sweep')
      .option('--sweep-max <n>', 'largest worker count of the default sweep for threads and asyncio', String(DEFAULT_SWEEP_MAX))
      .option('--sweep-runs <n>', 'runs per worker count in the sweep', String(DEFAULT_SWEEP_RUNS))
      .option('--case <name=command>', 'also run this edge case (a shell command, e.g. on an empty input) once on each side and compare; repeatable', collect)
      .option('--stress-runs <n>', 'extra runs of each side that runs threads, with thread switches forced at the racy sites concur names', String(DEFAULT_STRESS_RUNS))
      .option('--stress-timeout <seconds>', 'a stress run taking longer is a hang (default: 10 times the slowest normal run, at least 10 s, at most --timeout)')
      .option('--no-stress', 'skip the race stress mode')
      .option('--root <dir>', 'copy this directory as the project (it must contain PATH)')
      .option('--keep', 'keep the copies (their location is printed) instead of removing them')
      .option('--report <file>', `${REPORT_HELP}: figures, charts of time, scaling, CPU and memory, the rewrite's diff`)
  )
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  concur verify app/main.py -- python3 main.py',
        '      rewrite app/main.py in a copy of app/, run both 1 + 5 times, compare exit status and stdout',
        '  concur verify --unsafe-fixes --output-dir out --runs 10 app/ -- python3 main.py data.csv',
        '      also apply unsafe fixes; compare every file written under app/out/',
        '  concur verify --sweep app/main.py -- python3 main.py',
        '      also time the rewrite at 1, 2, 4, ... workers: scaling curve, efficiency, Amdahl fit',
        '  concur verify --candidate ../app-rewritten app/main.py -- python3 main.py',
        '      compare against a rewrite made by hand (or by an earlier `concur fix`)',
        '  concur verify --format json app/main.py -- python3 main.py | jq .speedup',
        "  concur verify --case 'empty=python3 main.py /dev/null' --case 'one=echo 7 | python3 main.py -' app/main.py -- python3 main.py big.txt",
        '      also compare the two programs on an empty input and on a single item (each case runs with sh -c in the copy)',
        '  concur verify --stress-runs 10 --timeout 30 app/workers.py -- python3 workers.py',
        '      force thread switches at the racy sites concur names, 10 times per side; a run past 30 s is a hang',
        '  concur verify --sweep --report verify.html app/main.py -- python3 main.py',
        '      also write an HTML report with charts (time per variant, scaling against the ideal, CPU, memory)',
        '',
        'The user\'s files are never changed: both programs run in temporary copies (without .git,',
        'caches and bytecode; virtual environments and node_modules are linked, not copied).',
        'Runs are interleaved, original then rewrite, after the warm-ups; the speedup is the ratio of',
        'median wall times with a 95% percentile bootstrap interval over the paired runs.',
        'When the rewrite or the program starts threads, stress runs follow: Python loads a tracer that pauses',
        'between the read and the write of each race RC101/RC102 name and between the two acquisitions of each',
        'DL101 lock-order inversion; an outcome no normal run had is a race, a run past its timeout is a hang',
        '(exit status 1 for either; --no-stress skips them).',
      ].join('\n'),
    )
    .action(async (path: string, command: string[], flags: VerifyFlags) => {
      process.exitCode = await verifyCommand(path, command, flags);
    });

  program
    .command('profile')
    .description(
      'run the program once with probes on its loops, classify each loop (cpu, io, native, mixed) from the measurement, and write a profile\n\n' +
        'Exit status: 0 profile written; 2 usage error, no loop to instrument, or the command could not be started.',
    )
    .usage('[options] [PATH] -- CMD [ARGS...]')
    .argument('[path]', 'the file or directory whose loops to measure (default: the current directory); its directory (or the directory itself) is the project copied')
    .argument('[command...]', 'the command that runs the program (after --; it runs in the copy, so paths relative to the project work)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('-o, --output <file>', 'where to write the profile (default: concur-profile.json in the current directory)')
    .option('--timeout <seconds>', 'kill the program (its whole process group) after this long', String(DEFAULT_PROFILE_TIMEOUT_SECONDS))
    .option('--root <dir>', 'copy this directory as the project (it must contain PATH)')
    .option('--keep', 'keep the instrumented copy (its location is printed) instead of removing it')
    .option('--target-version <version>', 'oldest Python the code must run on: py38 ... py314 (default py39)')
    .option('--free-threaded', 'the code runs on a free-threaded build (3.13t or later)')
    .option('--exclude <patterns>', 'leave out paths matching these gitignore-style patterns', collect)
    .option('--extend-exclude <patterns>', 'leave out these paths too, keeping configured excludes', collect)
    .option('--config <file>', 'read settings from this pyproject.toml or concur.toml instead of the nearest one')
    .option('--isolated', 'ignore configuration files')
    .option('--threads <n>', 'worker threads for the analysis (default: one per CPU)')
    .addOption(new Option('--color <when>', 'colour output').choices(['auto', 'always', 'never']).default('auto'))
    .addHelpText('after', profileHelp())
    .action(async (path: string | undefined, command: string[], flags: ProfileFlags, self: Command) => {
      const rawArgs = (self.parent as unknown as { rawArgs?: string[] } | null)?.rawArgs ?? [];
      const operands = splitProfileOperands(rawArgs, path, command);
      process.exitCode = await profileCommand(operands.path, operands.command, flags);
    });

  addRewriteOptions(
    program
      .command('optimize')
      .description(
        'rewrite one file in a copy, verify it against the original, and write it back only if every output was equal and it is faster\n\n' +
          'Exit status: 0 rewritten (or would be, with --dry-run); 1 left unchanged (nothing to rewrite, outputs differ, not faster); ' +
          '2 usage error or the original itself could not run.',
      )
      .usage('[options] FILE -- CMD [ARGS...]')
      .argument('<file>', 'the Python file (or notebook) to rewrite; its directory is the project copied (see --root)')
      .argument('[command...]', 'the command that runs the program (after --; it runs in each copy)')
      .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
      .option('--runs <n>', 'timed runs of each program, interleaved original/rewrite', String(DEFAULT_RUNS))
      .option('--warmup <n>', 'untimed runs of each program first (their outputs are compared too)', String(DEFAULT_WARMUP))
      .option('--timeout <seconds>', 'kill a run (its whole process group) after this long', String(DEFAULT_TIMEOUT_SECONDS))
      .option('--min-speedup <ratio>', 'write the rewrite only if the lower end of the speedup\'s 95% interval exceeds this', String(DEFAULT_MIN_SPEEDUP))
      .option('--compare-stderr', 'also require equal standard error')
      .option('--output-dir <dir>', 'also compare every file the program writes under this directory of the project')
      .option('--unsafe-fixes', 'also apply fixes marked unsafe (their output order or exceptions may differ; verify still compares)')
      .option('--report <file>', `${REPORT_HELP}: the verify figures and charts, and what was written`)
      .option('--stress-runs <n>', 'extra runs of a threaded rewrite with thread switches forced at the racy sites concur names', String(DEFAULT_STRESS_RUNS))
      .option('--no-stress', 'skip the race stress runs')
      .option('--case <name=command>', 'also run this edge case (e.g. on an empty input) on both sides; a difference leaves the file unchanged; repeatable', collect)
      .option('--dry-run', 'do everything but write: print the diff that would be applied')
      .option('--root <dir>', 'copy this directory as the project (it must contain FILE)')
  )
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  concur optimize scrape.py -- python3 scrape.py urls.txt',
        '      rewrite scrape.py in a copy, run both 1 + 5 times; write the rewrite only if equal and faster',
        '  concur optimize --dry-run --runs 10 app/report.py -- python3 -m app.report',
        '      the same with more runs, printing the diff instead of writing it',
        '  concur optimize --output-dir out pipeline.py -- python3 pipeline.py data/',
        '      also compare every file the program writes under out/',
        '',
        'FILE is written only when all of these hold: every run of the rewrite produced the exit status',
        'and output of the original, the lower end of the speedup\'s interval exceeds --min-speedup, and',
        'FILE still holds the text that was verified. The write is atomic. Otherwise FILE is left as it',
        'is and the reason is printed: the loops concur rejected and why, the differences, or the timings.',
      ].join('\n'),
    )
    .action(async (file: string, command: string[], flags: OptimizeFlags) => {
      process.exitCode = await optimizeCommand(file, command, flags);
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
  rememberInvocation(argv);
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
