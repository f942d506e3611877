import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PythonNotFoundError, resolveMotoCommand } from '../../tools/local/moto-provisioning';

const scratch = mkdtempSync(join(tmpdir(), 'moto-provisioning-unit-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function executable(directory: string, name: string): string {
  mkdirSync(directory, { recursive: true });
  const file = join(directory, name);
  writeFileSync(file, '#!/bin/sh\n', { mode: 0o755 });
  return file;
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
});
