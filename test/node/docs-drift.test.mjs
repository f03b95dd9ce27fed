// docs/API.md cannot drift from the code: every public export, and every attribute, property,
// method, event, CSS property, part and slot of custom-elements.json, is documented, and nothing
// documented there is missing from the code. Also: the CSS custom properties the styles read are
// declared in the manifest, the events the manifest declares are the typed ones, and every close
// code docs/PROTOCOL.md lists is one the server sends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { exportsOf } from '../support/exports.mjs';

const root = new URL('../../', import.meta.url).pathname;
const read = (path) => readFileSync(join(root, path), 'utf8');
const api = read('docs/API.md');
const manifest = JSON.parse(read('custom-elements.json'));

/** Where each entry point's source is, as package.json's `exports` names them. */
const ENTRY_POINTS = {
  'rtc-elements': 'src/index.ts',
  'rtc-elements/elements': 'components/index.ts',
  'rtc-elements/server': 'server/index.ts',
  'rtc-elements/define': 'components/define.ts',
  'rtc-elements/react': 'components/react.ts',
};

/** The text under the heading `title` (any level), up to the next heading of that level or above. */
function section(text, title) {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => /^#+ /.test(line) && line.replace(/^#+ /, '') === title);
  assert.notEqual(start, -1, `docs/API.md has no heading "${title}"`);
  const level = lines[start].match(/^#+/)[0].length;
  const end = lines.findIndex((line, i) => i > start && /^#+ /.test(line) && line.match(/^#+/)[0].length <= level);
  return lines.slice(start + 1, end === -1 ? undefined : end).join('\n');
}

/** The first cells of the table whose header's first cell is `header`: the names, without backticks or arguments. */
function tableNames(text, header) {
  const rows = tableRows(text, header);
  return rows.map((cells) => bare(cells[0]));
}

/** The rows (as cells) of the table whose header's first cell is `header`; none when there is no such table. */
function tableRows(text, header) {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line.startsWith('|') && cellsOf(line)[0] === header);
  if (start === -1) return [];
  const rows = [];
  for (let i = start + 2; i < lines.length && lines[i].startsWith('|'); i++) rows.push(cellsOf(lines[i]));
  return rows;
}

const cellsOf = (line) =>
  line
    .replace(/^\||\|$/g, '')
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim());
/** `` `name(args)` `` → `name`; `—` → null; `(default)` → `''` (the default slot). */
const bare = (cell) =>
  cell === '—'
    ? null
    : cell === '(default)'
      ? ''
      : (cell.match(/^`(?:new )?([^`(\s]+)/)?.[1] ?? assert.fail(`a table cell that names nothing: ${cell}`));

/** Both ways: what the code has and the doc lacks, and what the doc has and the code lacks. */
function assertSame(code, documented, what) {
  const missing = [...code].filter((name) => !documented.has(name)).sort();
  const extra = [...documented].filter((name) => !code.has(name)).sort();
  assert.deepEqual(
    { undocumented: missing, documentedButAbsent: extra },
    { undocumented: [], documentedButAbsent: [] },
    what,
  );
}

for (const [entry, source] of Object.entries(ENTRY_POINTS)) {
  test(`every export of ${entry} is in docs/API.md's export list, and nothing more`, () => {
    const documented = tableNames(section(section(api, 'Exports'), `\`${entry}\``), 'export');
    assert.equal(new Set(documented).size, documented.length, `a name listed twice under ${entry}`);
    assertSame(new Set(exportsOf(join(root, source)).keys()), new Set(documented), entry);
  });
}

const elements = manifest.modules
  .flatMap((module) => module.declarations ?? [])
  .filter((declaration) => declaration.tagName);

test('custom-elements.json has the three elements', () => {
  assert.deepEqual(elements.map((element) => element.tagName).sort(), ['rtc-call', 'rtc-data-channel', 'rtc-video']);
});

const isPublic = (member) =>
  !member.static && member.privacy !== 'private' && member.privacy !== 'protected' && !member.name.startsWith('#');

for (const element of elements) {
  const docs = () => section(section(api, 'Elements'), `\`<${element.tagName}>\``);
  const names = (list) => new Set((list ?? []).map((item) => item.name));

  test(`<${element.tagName}>: its properties and attributes, as the manifest has them`, () => {
    const rows = tableRows(docs(), 'property');
    assert.ok(rows.length > 0, 'a "property | attribute | meaning" table');
    const fields = (element.members ?? []).filter((member) => member.kind === 'field' && isPublic(member));
    assertSame(names(fields), new Set(rows.map((cells) => bare(cells[0]))), 'properties');
    assertSame(names(element.attributes), new Set(rows.map((cells) => bare(cells[1])).filter(Boolean)), 'attributes');
    // An attribute stands next to the property it sets.
    for (const attribute of element.attributes ?? []) {
      if (!attribute.fieldName) continue;
      const row = rows.find((cells) => bare(cells[0]) === attribute.fieldName);
      assert.equal(bare(row[1]), attribute.name, `the attribute of ${attribute.fieldName}`);
    }
  });

  test(`<${element.tagName}>: its methods`, () => {
    const methods = (element.members ?? []).filter((member) => member.kind === 'method' && isPublic(member));
    assertSame(names(methods), new Set(tableNames(docs(), 'method')), 'methods');
  });

  test(`<${element.tagName}>: its events`, () => {
    assertSame(names(element.events), new Set(tableNames(docs(), 'event')), 'events');
  });

  test(`<${element.tagName}>: its CSS properties, parts and slots`, () => {
    assertSame(names(element.cssProperties), new Set(tableNames(docs(), 'CSS property')), 'CSS properties');
    assertSame(names(element.cssParts), new Set(tableNames(docs(), 'part')), 'parts');
    assertSame(names(element.slots), new Set(tableNames(docs(), 'slot')), 'slots');
  });
}

test('every CSS custom property the styles read is declared in the manifest', () => {
  const declared = new Set(
    elements.flatMap((element) => (element.cssProperties ?? []).map((property) => property.name)),
  );
  const styles = readdirSync(join(root, 'components'), { recursive: true }).filter((file) =>
    file.endsWith('.styles.ts'),
  );
  assert.ok(styles.length > 0);
  const read = new Set(
    styles.flatMap((file) =>
      [...readFileSync(join(root, 'components', file), 'utf8').matchAll(/var\((--rtc-[\w-]+)/g)].map((m) => m[1]),
    ),
  );
  assertSame(read, declared, 'CSS custom properties');
});

test('the events the manifest declares are the typed ones (RtcEventDetailMap)', () => {
  const typed = new Set([...read('components/events.ts').matchAll(/^\s*'(rtc-[a-z-]+)':/gm)].map((m) => m[1]));
  const declared = new Set(elements.flatMap((element) => (element.events ?? []).map((event) => event.name)));
  assertSame(declared, typed, 'events');
});

test('every close code docs/PROTOCOL.md lists is one the server sends, and the other way round', () => {
  const listed = new Set(
    [...read('docs/PROTOCOL.md').matchAll(/^\| (\d{4})(?: \/ (\d{4}))? \|/gm)].flatMap((m) =>
      m.slice(1).filter(Boolean),
    ),
  );
  const server = readdirSync(join(root, 'server'))
    .filter((file) => file.endsWith('.ts'))
    .map((file) => read(`server/${file}`))
    .join('\n');
  // 1000 and 1001 come from the client or from `ws` itself; 1009 from `ws`'s maxPayload.
  const sent = new Set([
    '1000',
    '1001',
    '1009',
    ...[...server.matchAll(/\b(?:close|closeConnection|onFault)\([^)]*?\b(4\d{3})\b/g)].map((m) => m[1]),
  ]);
  assertSame(sent, listed, 'close codes');
});
