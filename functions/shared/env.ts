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
