import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  findOnPath,
  MotoProvisioningError,
  PythonNotFoundError,
  resolveMotoCommand,
} from '../../tools/local/moto-provisioning';

const scratch = mkdtempSync(join(tmpdir(), 'moto-provisioning-unit-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function executable(directory: string, name: string, script = ''): string {
  mkdirSync(directory, { recursive: true });
  const file = join(directory, name);
  writeFileSync(file, `#!/bin/sh\n${script}`, { mode: 0o755 });
  return file;
}

/** A python3 whose `-m venv DIR` makes DIR/bin/python running `pythonScript`, or fails like Debian without python3-venv. */
function fakePython3(directory: string, venv: 'works' | 'no-ensurepip', pythonScript = 'exit 0\n'): void {
  // Only these on PATH, so that a moto_server or python3 installed on this machine cannot interfere.
  mkdirSync(directory, { recursive: true });
  for (const tool of ['mkdir', 'chmod']) symlinkSync(findOnPath(tool) ?? `/bin/${tool}`, join(directory, tool));
  const made = `mkdir -p "$last/bin" && printf '#!/bin/sh\\n${pythonScript.replace(/\n/g, '\\n')}' > "$last/bin/python" && chmod +x "$last/bin/python"`;
  executable(
    directory,
    'python3',
    `for a in "$@"; do last="$a"; done\n` +
      (venv === 'works'
        ? `${made}\n`
        : 'echo "The virtual environment was not created successfully because ensurepip is not available." >&2\nexit 1\n'),
  );
}

describe('resolveMotoCommand', () => {
  it('uses moto_server from PATH when there is one, and installs nothing', async () => {
    const moto = executable(join(scratch, 'path-bin'), 'moto_server');

    const command = await resolveMotoCommand({
      env: { PATH: join(scratch, 'path-bin') },
      venvDirectory: join(scratch, 'unused'),
    });

    expect(command).toEqual({ file: moto, args: [], source: 'path' });
  });

  it('reuses a provisioned virtual environment without running python3', async () => {
    const venv = join(scratch, 'ready-venv');
    executable(join(venv, 'bin'), 'python');
    writeFileSync(join(venv, '.moto-provisioned'), 'moto[server]\n');
    const printed: string[] = [];

    const command = await resolveMotoCommand({ env: { PATH: '' }, venvDirectory: venv, print: (l) => printed.push(l) });

    expect(command).toEqual({ file: join(venv, 'bin', 'python'), args: ['-m', 'moto.server'], source: 'venv' });
    expect(printed).toEqual([]);
  });

  it('says to install Python 3 when there is neither moto_server nor python3', async () => {
    const attempt = resolveMotoCommand({ env: { PATH: join(scratch, 'empty') }, venvDirectory: join(scratch, 'none') });

    await expect(attempt).rejects.toThrow(PythonNotFoundError);
    await expect(attempt).rejects.toThrow(/no python3 .*apt-get install -y python3 python3-venv.*AWS_ENDPOINT_URL/);
  });

  it('makes again a virtual environment whose provisioning was interrupted (no marker)', async () => {
    const venv = join(scratch, 'interrupted-venv');
    executable(join(venv, 'bin'), 'python');

    const attempt = resolveMotoCommand({ env: { PATH: join(scratch, 'empty') }, venvDirectory: venv });

    await expect(attempt).rejects.toThrow(PythonNotFoundError);
  });

  it('says to install python3-venv when python3 cannot make a virtual environment, and leaves nothing behind', async () => {
    const bin = join(scratch, 'no-venv-bin');
    fakePython3(bin, 'no-ensurepip');
    const venv = join(scratch, 'no-venv');
    const printed: string[] = [];

    const attempt = resolveMotoCommand({
      env: { PATH: bin },
      venvDirectory: venv,
      print: (l) => printed.push(l),
    });

    await expect(attempt).rejects.toThrow(MotoProvisioningError);
    await expect(attempt).rejects.toThrow(/apt-get install -y python3-venv[\s\S]*ensurepip is not available/);
    expect(printed.some((line) => line.includes('[1/2] python3 -m venv'))).toBe(true);
    expect(existsSync(venv)).toBe(false);
  });

  it('says what to do when pip cannot install moto (no package index), and removes the half-made environment', async () => {
    const bin = join(scratch, 'no-index-bin');
    fakePython3(bin, 'works', 'echo "ERROR: No matching distribution found for moto[server]" >&2\nexit 1\n');
    const venv = join(scratch, 'no-index-venv');
    const printed: string[] = [];

    const attempt = resolveMotoCommand({
      env: { PATH: bin },
      venvDirectory: venv,
      print: (l) => printed.push(l),
    });

    await expect(attempt).rejects.toThrow(
      /pip install moto\[server\] failed\. This machine may not reach the Python package index/,
    );
    expect(printed).toContain('    ERROR: No matching distribution found for moto[server]');
    expect(existsSync(venv)).toBe(false);
  });
});
