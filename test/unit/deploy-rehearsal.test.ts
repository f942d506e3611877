import { parseRehearsalArgs, RehearsalUsageError, rehearsalUsage } from '../../tools/deploy-rehearsal/args';

describe('npm run deploy:rehearsal arguments', () => {
  it('defaults to the default stack, destroyed at the end', () => {
    expect(parseRehearsalArgs([])).toEqual({ help: false, keep: false, allFeatures: false });
  });

  it('reads --all-features, --keep and --help (-h)', () => {
    expect(parseRehearsalArgs(['--all-features', '--keep'])).toEqual({ help: false, keep: true, allFeatures: true });
    expect(parseRehearsalArgs(['--help']).help).toBe(true);
    expect(parseRehearsalArgs(['-h']).help).toBe(true);
  });

  it('refuses unknown options and positionals with the usage', () => {
    expect(() => parseRehearsalArgs(['--all'])).toThrow(RehearsalUsageError);
    expect(() => parseRehearsalArgs(['deploy'])).toThrow(/Usage: npm run deploy:rehearsal/);
  });

  it('documents every option and the exit codes', () => {
    for (const option of ['--all-features', '--keep', '--help', 'AWS_ENDPOINT_URL', 'Exit code']) {
      expect(rehearsalUsage).toContain(option);
    }
  });
});
