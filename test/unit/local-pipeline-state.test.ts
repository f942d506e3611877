import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalPipelineState, readLocalPipelineState } from '../../tools/local/state';

describe('readLocalPipelineState', () => {
  let scratch: string;
  const state = (pid: number): LocalPipelineState => ({
    emulatorEndpoint: 'http://127.0.0.1:5000',
    webhookUrl: 'http://127.0.0.1:4600/webhook',
    pid,
  });

  beforeEach(() => {
    scratch = mkdtempSync(join(tmpdir(), 'local-pipeline-state-'));
  });

  afterEach(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  it('reads the file a running npm start wrote', () => {
    // Prepare
    const file = join(scratch, 'pipeline.json');
    writeFileSync(file, JSON.stringify(state(process.pid)));
    // Act
    const read = readLocalPipelineState(file);
    // Assess
    expect(read?.webhookUrl).toBe('http://127.0.0.1:4600/webhook');
  });

  it('ignores a file left behind by an npm start that is gone, a missing file and a broken one', () => {
    // Prepare: the pid of a process that has ended
    const ended = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    const stale = join(scratch, 'stale.json');
    writeFileSync(stale, JSON.stringify(state(Number(ended.stdout))));
    const broken = join(scratch, 'broken.json');
    writeFileSync(broken, '{"webhookUrl":');
    // Act
    const reads = [stale, join(scratch, 'missing.json'), broken].map((file) => readLocalPipelineState(file));
    // Assess
    expect(reads).toEqual([undefined, undefined, undefined]);
  });
});
