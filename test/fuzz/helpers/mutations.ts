/**
 * Bad input, generated: mutations of the shipped valid files (structural edits of the parsed YAML
 * and raw text edits) and random text, as fast-check arbitraries so a failure shrinks to a small
 * case and reruns from its seed.
 *
 * Structural mutations: delete a field or list item, duplicate a list item, rename a key, replace a
 * value by a weird one (wrong type, empty, NaN/Infinity strings, huge and negative numbers, unicode,
 * very long text, bad dates and durations), wrap a value in a list. Text mutations: truncate,
 * delete/duplicate/swap lines, insert junk (tabs, control characters, YAML syntax), and random text.
 */
import fc from 'fast-check';
import { parse, stringify as stringifyYaml } from 'yaml';

type Path = readonly (string | number)[];

/** Values that a careless or malicious edit puts where something else belongs. */
export const WEIRD_VALUES: readonly unknown[] = [
  null, '', ' ', 'NaN', 'nan', 'Infinity', '-Infinity', '1e999', '-1e999', 1e308, -1e308, 2 ** 53 + 1, -1, 0, -0.5, 0.1, 1.5,
  true, false, [], {}, [1, 2], { unexpected: 1 }, '0s', '-5m', '10y', '999999999999h', '1.5.3', '5 m', '∞', '١٢٣', '一百',
  '🚀🔥', 'ä'.repeat(3), 'x'.repeat(5_000), '\u202e\u0000\u0007', '../../etc/passwd', '/dev/null', 'C:\\\\nope', '${HOME}',
  '2025-13-45T99:99:99Z', '2025-11-11', '1970-01-01T00:00:00Z', '9999-12-31T23:59:59+14:00', 'Mars/Olympus', 'UTC+8',
  '500m', '-500m', '1Ki', '64Gi', '0.0001', '1e-9', 'Deployment', 'online', 'yes', '~',
];

const weirdValue = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...WEIRD_VALUES) },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 1, arbitrary: fc.double({ noNaN: false }) },
  { weight: 1, arbitrary: fc.integer() },
);

export type StructuralMutation =
  | { readonly kind: 'delete'; readonly pick: number }
  | { readonly kind: 'duplicate'; readonly pick: number }
  | { readonly kind: 'rename'; readonly pick: number; readonly name: string }
  | { readonly kind: 'replace'; readonly pick: number; readonly value: unknown }
  | { readonly kind: 'wrap'; readonly pick: number };

export type TextMutation =
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'delete-line'; readonly pick: number }
  | { readonly kind: 'duplicate-line'; readonly pick: number }
  | { readonly kind: 'swap-lines'; readonly pick: number; readonly other: number }
  | { readonly kind: 'insert'; readonly at: number; readonly junk: string }
  /** A value replaced by an alias to an anchor that was never set. */
  | { readonly kind: 'dangling-alias'; readonly pick: number }
  /** Anchors expanding exponentially ("billion laughs") put in front of a value. */
  | { readonly kind: 'alias-bomb'; readonly pick: number };

const structuralMutation: fc.Arbitrary<StructuralMutation> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('rename' as const), pick: fc.nat(), name: fc.constantFrom('nmae', 'Name', 'extra', 'replicas ', '', '🚀', 'minreplicas') }),
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('replace' as const), pick: fc.nat(), value: weirdValue }) },
  fc.record({ kind: fc.constant('wrap' as const), pick: fc.nat() }),
);

const junk = fc.oneof(
  fc.constantFrom('\t', ':', ': :', '- ', '{', '}', '[', '"', "'", '&a', '*a', '<<: *a', '!!binary', '%YAML 1.1\n', '---\n', '\u0000', '\r', '\ufeff', '#', '|', '>', '? '),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
);

const textMutation: fc.Arbitrary<TextMutation> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('delete-line' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate-line' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('swap-lines' as const), pick: fc.nat(), other: fc.nat() }),
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), junk }) },
  fc.record({ kind: fc.constant('dangling-alias' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('alias-bomb' as const), pick: fc.nat() }),
);

const LAUGHS = '[&l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol], &l1 [*l0, *l0, *l0, *l0, *l0, *l0, *l0, *l0, *l0], '
  + '&l2 [*l1, *l1, *l1, *l1, *l1, *l1, *l1, *l1, *l1], &l3 [*l2, *l2, *l2, *l2, *l2, *l2, *l2, *l2, *l2], '
  + '&l4 [*l3, *l3, *l3, *l3, *l3, *l3, *l3, *l3, *l3], [*l4, *l4, *l4, *l4, *l4, *l4, *l4, *l4, *l4]]';

/** Every path to a value in a plain JSON-like document (the root excluded). */
export function pathsOf(value: unknown, prefix: Path = []): Path[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => [[...prefix, index], ...pathsOf(item, [...prefix, index])]);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => [[...prefix, key], ...pathsOf(item, [...prefix, key])]);
  }
  return [];
}

function containerAt(root: unknown, path: Path): unknown {
  let current = root;
  for (const key of path) current = (current as Record<string | number, unknown>)[key];
  return current;
}

/** Applies one structural mutation to a deep copy of `document`. */
export function mutateDocument(document: unknown, mutation: StructuralMutation): unknown {
  const copy = structuredClone(document);
  const paths = pathsOf(copy);
  if (paths.length === 0) return mutation.kind === 'replace' ? mutation.value : copy;
  const path = paths[mutation.pick % paths.length] as Path;
  const parent = containerAt(copy, path.slice(0, -1)) as Record<string | number, unknown> | unknown[];
  const key = path[path.length - 1] as string | number;
  switch (mutation.kind) {
    case 'delete':
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete (parent as Record<string, unknown>)[key];
      break;
    case 'duplicate':
      if (Array.isArray(parent)) parent.splice(key as number, 0, structuredClone(parent[key as number]));
      // A mapping cannot hold a key twice once parsed (the text mutations make real duplicate
      // keys); the copy goes under a sibling name instead, an unknown field.
      else (parent as Record<string, unknown>)[`${String(key)}Copy`] = structuredClone((parent as Record<string, unknown>)[key]);
      break;
    case 'rename':
      if (!Array.isArray(parent)) {
        const value = (parent as Record<string, unknown>)[key];
        delete (parent as Record<string, unknown>)[key];
        (parent as Record<string, unknown>)[mutation.name] = value;
      }
      break;
    case 'replace':
      (parent as Record<string | number, unknown>)[key] = structuredClone(mutation.value);
      break;
    case 'wrap':
      (parent as Record<string | number, unknown>)[key] = [(parent as Record<string | number, unknown>)[key]];
      break;
  }
  return copy;
}

/** Applies one text mutation. */
export function mutateText(text: string, mutation: TextMutation): string {
  const lines = text.split('\n');
  const line = (pick: number): number => pick % Math.max(1, lines.length);
  switch (mutation.kind) {
    case 'truncate':
      return text.slice(0, mutation.at % Math.max(1, text.length));
    case 'delete-line':
      lines.splice(line(mutation.pick), 1);
      return lines.join('\n');
    case 'duplicate-line':
      lines.splice(line(mutation.pick), 0, lines[line(mutation.pick)] ?? '');
      return lines.join('\n');
    case 'swap-lines': {
      const a = line(mutation.pick);
      const b = line(mutation.other);
      [lines[a], lines[b]] = [lines[b] as string, lines[a] as string];
      return lines.join('\n');
    }
    case 'insert': {
      const at = mutation.at % (text.length + 1);
      return `${text.slice(0, at)}${mutation.junk}${text.slice(at)}`;
    }
    case 'dangling-alias':
    case 'alias-bomb': {
      // The value of a `key: value` line (same key, same indentation, so the document stays YAML).
      const keyed = lines.map((content, index) => ({ content, index })).filter(({ content }) => /^\s*(- )?[\w.-]+: \S/.test(content));
      const target = keyed[mutation.pick % Math.max(1, keyed.length)];
      if (target === undefined) return text;
      const key = target.content.slice(0, target.content.indexOf(': ') + 2);
      lines[target.index] = `${key}${mutation.kind === 'dangling-alias' ? '*neverSet' : LAUGHS}`;
      return lines.join('\n');
    }
  }
}

export type YamlInput = { readonly how: string; readonly text: string };

/**
 * Bad (and sometimes still valid) YAML derived from `validText`: 1–3 structural mutations, 1–2
 * text mutations, both, or random text. `how` names what was done, for the failure report.
 */
export function mutatedYaml(validText: string, options: { format?: 'yaml' | 'json' } = {}): fc.Arbitrary<YamlInput> {
  const document = parse(validText) as unknown;
  const stringify = (value: unknown): string => (options.format === 'json' ? JSON.stringify(value, null, 2) : stringifyYaml(value));
  const structural = fc.array(structuralMutation, { minLength: 1, maxLength: 3 }).map((mutations) => ({
    how: `structural ${JSON.stringify(mutations).slice(0, 300)}`,
    text: stringify(mutations.reduce<unknown>((current, mutation) => mutateDocument(current, mutation), document)),
  }));
  const textual = fc.array(textMutation, { minLength: 1, maxLength: 2 }).map((mutations) => ({
    how: `text ${JSON.stringify(mutations).slice(0, 300)}`,
    text: mutations.reduce((current, mutation) => mutateText(current, mutation), validText),
  }));
  const both = fc.tuple(structuralMutation, textMutation).map(([structuralEdit, textEdit]) => ({
    how: `both ${JSON.stringify([structuralEdit, textEdit]).slice(0, 300)}`,
    text: mutateText(stringify(mutateDocument(document, structuralEdit)), textEdit),
  }));
  const random = fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 })).map((text) => ({ how: 'random text', text }));
  return fc.oneof({ weight: 5, arbitrary: structural }, { weight: 3, arbitrary: textual }, { weight: 2, arbitrary: both }, { weight: 1, arbitrary: random });
}

/** Raw text edits only (for inputs that are not one YAML document, e.g. a multi-document stream). */
export function mutatedText(validText: string): fc.Arbitrary<YamlInput> {
  const textual = fc.array(textMutation, { minLength: 1, maxLength: 3 }).map((mutations) => ({
    how: `text ${JSON.stringify(mutations).slice(0, 300)}`,
    text: mutations.reduce((current, mutation) => mutateText(current, mutation), validText),
  }));
  const random = fc.string({ maxLength: 200 }).map((text) => ({ how: 'random text', text }));
  return fc.oneof({ weight: 5, arbitrary: textual }, { weight: 1, arbitrary: random });
}

/** Bad CSV derived from `validText`: text mutations of the rows, plus cell-level junk and random text. */
export function mutatedCsv(validText: string): fc.Arbitrary<YamlInput> {
  const rows = validText.split('\n');
  const cellJunk = fc.constantFrom('', 'NaN', '-1', '1e999', 'abc', '2014-13-01 00:00:00', '2014-07-01T00:00:00+25:00', '"', '""', ',,', '١٢٣', '🚀', ' 5 ', '0x1F', '-0', '1,5');
  const cellEdit = fc.record({ row: fc.nat(), cell: fc.nat(), value: cellJunk }).map((edit) => {
    const index = rows.length <= 1 ? 0 : 1 + (edit.row % (rows.length - 1));
    const cells = (rows[index] ?? '').split(',');
    cells[edit.cell % Math.max(1, cells.length)] = edit.value;
    const copy = [...rows];
    copy[index] = cells.join(',');
    return { how: `cell ${JSON.stringify(edit)}`, text: copy.join('\n') };
  });
  const textual = fc.array(textMutation, { minLength: 1, maxLength: 2 }).map((mutations) => ({
    how: `text ${JSON.stringify(mutations).slice(0, 300)}`,
    text: mutations.reduce((current, mutation) => mutateText(current, mutation), validText),
  }));
  const random = fc.string({ maxLength: 300 }).map((text) => ({ how: 'random text', text }));
  return fc.oneof({ weight: 4, arbitrary: cellEdit }, { weight: 4, arbitrary: textual }, { weight: 1, arbitrary: random });
}
