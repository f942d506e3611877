/**
 * The provisioning of `npm start` on a machine without moto_server, for real: a virtual environment made
 * by this machine's python3 and filled by pip. These machines reach no package index, so the environment
 * sees the preinstalled moto (`--system-site-packages`) and pip's install step is satisfied offline, by
 * the same code path that downloads elsewhere.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startMoto } from '../../tools/local/moto';
import { findOnPath, resolveMotoCommand } from '../../tools/local/moto-provisioning';

jest.setTimeout(120_000);

const scratch = mkdtempSync(join(tmpdir(), 'moto-provisioning-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A PATH with node and this machine's python3, and no moto_server (pyenv's shims would bring it along). */
function pathWithoutMoto(): string {
  const python = findOnPath('python3');
  if (!python) throw new Error('This test needs python3 on PATH (and moto installed for it, as .ci/run does).');
  const real = execFileSync(python, ['-c', 'import sys; print(sys.executable)']).toString().trim();
  const bin = join(scratch, 'bin');
  execFileSync('mkdir', ['-p', bin]);
  symlinkSync(real, join(bin, 'python3'));
  return [bin, dirname(process.execPath)].join(':');
}

describe('moto provisioning', () => {
  it('installs moto into the virtual environment with progress, runs it, and reuses it on the next start', async () => {
    // Prepare
    const env = { ...process.env, PATH: pathWithoutMoto() };
    const venvDirectory = join(scratch, 'moto-venv');
    const printed: string[] = [];

    // Act
    const command = await resolveMotoCommand({
      env,
      venvDirectory,
      systemSitePackages: true,
      print: (line) => printed.push(line),
    });
    const moto = await startMoto({ command });
    const answer = await fetch(`${moto.endpoint}/moto-api/`).finally(() => moto.stop());
    const again: string[] = [];
    const reused = await resolveMotoCommand({ env, venvDirectory, print: (line) => again.push(line) });

    // Assess
    expect(command).toEqual({
      file: join(venvDirectory, 'bin', 'python'),
      args: ['-m', 'moto.server'],
      source: 'venv',
    });
    expect(printed[0]).toContain(`installing moto[server] into ${venvDirectory}`);
    expect(printed.some((line) => line.includes('[1/2] python3 -m venv --system-site-packages'))).toBe(true);
    expect(printed.some((line) => line.includes('[2/2] pip install moto[server]'))).toBe(true);
    expect(printed.some((line) => /Requirement already satisfied: moto/.test(line))).toBe(true);
    expect(printed.at(-1)).toContain('moto is ready');
    expect(answer.ok).toBe(true);
    expect(reused).toEqual(command);
    expect(again).toEqual([]);
  });
});
