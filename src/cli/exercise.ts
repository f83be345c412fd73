/**
 * `backprop exercise`: the notes' derivation as an exercise — a seeded problem, its check with
 * diagnoses, the worked solution, a sheet of problems for a class, and an interactive mode.
 */
import { type Command, Option } from 'commander';
import { InputError } from '../data/input-error.js';
import { checkAnswers, describeVerdict, parseAnswers } from '../exercise/check.js';
import { createExercise, type Exercise, type ExerciseLevel, exerciseFromJson } from '../exercise/problem.js';
import { quantity } from '../exercise/quantities.js';
import { renderProblem, renderSolution, type SolutionFormat } from '../exercise/solution.js';
import { readJsonFile, writeDirectoryAtomic } from '../node/exercise-files.js';
import { runInteractive } from './exercise-interactive.js';
import * as parse from './options.js';
import { createOutput, toJson } from './output.js';

interface ProblemFlags {
  seed: number;
  sizes: number[];
  level: ExerciseLevel;
  problem?: string;
}

const problemOptions = (cmd: Command, withFile: boolean): Command => {
  cmd
    .option('--seed <n>', 'seed of the problem', parse.integer, 0)
    .addOption(
      new Option('--sizes <sizes>', "inputs, hidden units and outputs (one output: the notes' form)")
        .argParser(parse.sizes)
        .default([3, 4, 1], '3,4,1'),
    )
    .addOption(
      new Option('--level <level>', 'easy: one decimal; normal: two').choices(['easy', 'normal']).default('normal'),
    );
  if (withFile)
    cmd.option('--problem <problem.json>', 'the problem as `exercise --json` printed it (instead of --seed)');
  return cmd;
};

/** The problem the flags describe: a problem file, or the seed, sizes and level. */
function problemOf(flags: ProblemFlags): Exercise {
  if (flags.problem !== undefined) return exerciseFromJson(readJsonFile(flags.problem), flags.problem);
  const [inputs, hidden, outputs, ...rest] = flags.sizes;
  if (hidden === undefined || outputs !== 1 || rest.length > 0) {
    throw new InputError(`--sizes ${flags.sizes.join(',')}: expected inputs,hidden,1 (the notes' two-layer network)`);
  }
  return createExercise({ seed: flags.seed, inputs, hidden, level: flags.level });
}

function check(answersFile: string, flags: ProblemFlags & { json?: boolean; quiet?: boolean }): void {
  const ex = problemOf(flags);
  const verdicts = checkAnswers(ex, parseAnswers(readJsonFile(answersFile), ex, answersFile));
  const right = verdicts.filter((v) => v.right).length;
  const out = createOutput(flags);
  const width = Math.max(...verdicts.map((v) => quantity(v.key).symbol.length));
  for (const v of verdicts) out.result(`${quantity(v.key).symbol.padEnd(width)}  ${describeVerdict(v)}`);
  out.result(`${right} of ${verdicts.length} right`);
  out.document({ command: 'exercise check', right, total: verdicts.length, verdicts });
  process.exitCode = right === verdicts.length ? 0 : 1;
}

const EXTENSIONS: Record<SolutionFormat, string> = { text: 'txt', markdown: 'md', latex: 'tex' };

/** More problems than a class needs is a typo, not a sheet. */
const MAX_SHEET = 1000;

function sheet(flags: ProblemFlags & { count: number; out: string; format: SolutionFormat; quiet?: boolean }): void {
  if (flags.count > MAX_SHEET) throw new InputError(`--count ${flags.count}: expected at most ${MAX_SHEET}`);
  const files = new Map<string, string>();
  const digits = String(flags.count).length;
  for (let i = 0; i < flags.count; i++) {
    const ex = problemOf({ ...flags, seed: flags.seed + i });
    const name = `student-${String(i + 1).padStart(digits, '0')}`;
    files.set(`${name}-problem.${EXTENSIONS[flags.format]}`, renderProblem(ex, flags.format));
    files.set(`${name}-solution.${EXTENSIONS[flags.format]}`, renderSolution(ex, flags.format));
    files.set(`${name}-problem.json`, `${toJson(ex)}\n`);
  }
  writeDirectoryAtomic(flags.out, files);
  createOutput(flags).note(
    `${flags.count} problems with solutions written to ${flags.out} (seeds ${flags.seed}…${flags.seed + flags.count - 1})`,
  );
}

const EXAMPLES = `
Examples:
  $ backprop exercise --seed 7 --level easy
  $ backprop exercise --seed 7 --json > problem.json
  $ backprop exercise check answers.json --seed 7
  $ backprop exercise solution --seed 7 --format markdown
  $ backprop exercise sheet --count 20 --seed 100 --out sheets/
  $ backprop exercise --interactive`;

/** Registers `exercise` and its subcommands. */
export function registerExercise(program: Command): void {
  // Subcommands repeat --seed, --sizes and --level: each takes the options written after it.
  const exercise = problemOptions(program.command('exercise').enablePositionalOptions(), false)
    .description(
      "a notes-style problem to solve by hand: the 3-4-1 network's forward pass, δ's, gradients and SGD step",
    )
    .option('--json', 'print the problem as JSON (for --problem and for checking)')
    .option('--interactive', 'ask for each quantity in order, check it, offer hints and the worked step')
    .addHelpText('after', EXAMPLES)
    .action(async (flags: ProblemFlags & { json?: boolean; interactive?: boolean }) => {
      const ex = problemOf(flags);
      if (flags.interactive) return runInteractive(ex);
      process.stdout.write(flags.json ? `${toJson(ex)}\n` : renderProblem(ex, 'text'));
    });
  problemOptions(exercise.command('check'), true)
    .description('check answers (JSON keyed like explain --json: z, h, theta, …, W_new) against the problem')
    .argument('<answers.json>', 'the answers, any subset of the keys')
    .option('--json', 'print the verdicts as JSON')
    .option('--quiet', 'print nothing; the exit code says whether every answer is right')
    .action(check);
  problemOptions(exercise.command('solution'), true)
    .description('the worked solution, step by step in the notes’ order and numbering')
    .addOption(
      new Option('--format <format>', 'text, markdown or latex').choices(['text', 'markdown', 'latex']).default('text'),
    )
    .action((flags: ProblemFlags & { format: SolutionFormat }) => {
      process.stdout.write(renderSolution(problemOf(flags), flags.format));
    });
  problemOptions(exercise.command('sheet'), false)
    .description('one problem and one solution file per student (seeds seed, seed + 1, …), written all at once')
    .requiredOption('--count <n>', 'number of students', parse.positiveInteger)
    .requiredOption('--out <dir>', 'a new (or empty) directory for the files')
    .addOption(
      new Option('--format <format>', 'text, markdown or latex')
        .choices(['text', 'markdown', 'latex'])
        .default('markdown'),
    )
    .option('--quiet', 'print nothing but errors')
    .action(sheet);
}
