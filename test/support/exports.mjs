// The public exports of a TypeScript entry point, read from its source (no build, no compiler):
// enough for the forms this project uses (`export *`, `export type *`, `export {…} from`, and
// declarations), so the docs test knows what a user can import.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

const DECLARATION =
  /^export\s+(?:declare\s+)?(?:abstract\s+)?(?:async\s+)?(class|function\*?|const|let|var|interface|type|enum)\s+([A-Za-z_$][\w$]*)/gm;
const RE_EXPORT = /^export\s+(type\s+)?\{([^}]*)\}\s*from\s*['"]([^'"]+)['"]/gm;
const STAR = /^export\s+(type\s+)?\*\s+from\s*['"]([^'"]+)['"]/gm;
const TYPE_KINDS = new Set(['interface', 'type']);

const sourceOf = (from, specifier) => resolve(dirname(from), specifier.replace(/\.js$/, '.ts'));

/** Map of exported name to `'value'` or `'type'` for the module at `file`. */
export function exportsOf(file, seen = new Set()) {
  const names = new Map();
  if (seen.has(file)) return names;
  seen.add(file);
  const text = readFileSync(file, 'utf8');
  for (const [, kind, name] of text.matchAll(DECLARATION)) names.set(name, TYPE_KINDS.has(kind) ? 'type' : 'value');
  for (const [, typeOnly, list, specifier] of text.matchAll(RE_EXPORT)) {
    const target = exportsOf(sourceOf(file, specifier), new Set(seen));
    for (const item of list
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const [, typeItem, local, alias] = item.match(/^(type\s+)?([\w$]+)(?:\s+as\s+([\w$]+))?$/) ?? [];
      if (!local) throw new Error(`${file}: cannot read the export "${item}"`);
      const kind = typeOnly || typeItem ? 'type' : (target.get(local) ?? 'value');
      names.set(alias ?? local, kind);
    }
  }
  for (const [, typeOnly, specifier] of text.matchAll(STAR)) {
    for (const [name, kind] of exportsOf(sourceOf(file, specifier), new Set(seen)))
      names.set(name, typeOnly ? 'type' : kind);
  }
  return names;
}
