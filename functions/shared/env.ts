export class MissingEnvironmentVariableError extends Error {
  constructor(name: string) {
    super(
      `Environment variable ${name} is not set. The CDK stack sets it on deploy and \`npm start\` sets it locally; ` +
        'for `sam local invoke` pass it with --env-vars events/env.json.',
    );
    this.name = 'MissingEnvironmentVariableError';
  }
}

/** Reads a required environment variable, failing with a message that says how to provide it. */
export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') throw new MissingEnvironmentVariableError(name);
  return value;
}

export class InvalidEnvironmentVariableError extends Error {
  constructor(name: string, value: string, rule: string) {
    super(
      `Environment variable ${name} is ${JSON.stringify(value)}, but it must be ${rule}. The CDK construct sets it from its props; locally \`npm start\` sets it.`,
    );
    this.name = 'InvalidEnvironmentVariableError';
  }
}

/** Reads an optional whole-number environment variable; unset or empty is `undefined`, anything else non-integer throws. */
export function optionalIntegerEnv(name: string, env: NodeJS.ProcessEnv = process.env): number | undefined {
  const value = env[name]?.trim();
  if (value === undefined || value === '') return undefined;
  if (!/^\d+$/.test(value)) throw new InvalidEnvironmentVariableError(name, value, 'a whole number');
  return Number(value);
}

/** The entries of a comma-separated list (`a, b,,c`), trimmed, the empty ones left out; none for unset. */
export function parseCommaList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}
