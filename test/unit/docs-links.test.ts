import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const root = path.join(__dirname, '..', '..');
const pages = ['README.md', ...readdirSync(path.join(root, 'docs')).map((file) => `docs/${file}`)].filter((file) =>
  file.endsWith('.md'),
);
const scripts = Object.keys(
  (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts,
);

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as dashes. */
const anchorOf = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-');

function anchorsOf(file: string): Set<string> {
  const text = readFileSync(path.join(root, file), 'utf8');
  return new Set([...text.matchAll(/^#{1,6} (.*)$/gm)].map((match) => anchorOf(match[1] ?? '')));
}

describe.each(pages)('%s', (page) => {
  const text = readFileSync(path.join(root, page), 'utf8');

  it('links only to files and headings that exist', () => {
    const broken: string[] = [];
    for (const [, target = '', anchor] of text.matchAll(/\]\(([^)#:\s]*)(?:#([^)\s]+))?\)/g)) {
      const file = target === '' ? page : path.normalize(path.join(path.dirname(page), target));
      if (!existsSync(path.join(root, file))) broken.push(`${target} (no such file)`);
      else if (anchor !== undefined && file.endsWith('.md') && !anchorsOf(file).has(anchor)) {
        broken.push(`${target}#${anchor} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('names only npm scripts that exist', () => {
    const named = [...text.matchAll(/npm run ([a-z][a-z0-9:-]*)/g)].map((match) => match[1] ?? '');
    expect(named.filter((name) => !scripts.includes(name))).toEqual([]);
  });
});

it("names every npm script in the README's Commands section", () => {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const commands = readme.slice(
    readme.indexOf('\n## Commands'),
    readme.indexOf('\n## ', readme.indexOf('\n## Commands') + 1),
  );
  const named = new Set([...commands.matchAll(/npm (?:run )?([a-z][a-z0-9:-]*)/g)].map((match) => match[1] ?? ''));
  // `prepack` is npm's hook before `npm pack`, not a command anyone types; its row says so through `build`.
  expect(scripts.filter((script) => script !== 'prepack' && !named.has(script))).toEqual([]);
});

it('keeps the README to what a newcomer needs first (at most 400 lines; the rest is in docs/)', () => {
  expect(readFileSync(path.join(root, 'README.md'), 'utf8').split('\n').length).toBeLessThanOrEqual(400);
  expect(pages.length).toBeGreaterThan(5);
});
