/**
 * A strict little XML reader for the tests: it accepts the subset the GeoReport API writes
 * (declaration, elements without attributes, text with the five predefined entities) and
 * throws on anything ill-formed, so "it parses" means "it is well-formed".
 */

export interface XmlElement { name: string; children: XmlElement[]; text: string }

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(text: string): string {
  return text.replace(/&([a-z]+|#[0-9]+|#x[0-9a-fA-F]+);|&/g, (whole, name?: string) => {
    if (!name) throw new Error('bare & in text');
    if (name.startsWith('#x')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(parseInt(name.slice(1), 10));
    if (!(name in ENTITIES)) throw new Error(`unknown entity ${whole}`);
    return ENTITIES[name];
  });
}

export function parseXml(doc: string): { declaration: string; root: XmlElement } {
  const decl = /^<\?xml version="1\.0" encoding="([^"]+)"\?>\s*/.exec(doc);
  if (!decl) throw new Error('no XML declaration with an encoding');
  let pos = decl[0].length;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const TAG = /<(\/?)([A-Za-z_][A-Za-z0-9_.-]*)\s*(\/?)>/y;
  while (pos < doc.length) {
    if (doc[pos] === '<') {
      TAG.lastIndex = pos;
      const m = TAG.exec(doc);
      if (!m) throw new Error(`bad tag at ${pos}: ${doc.slice(pos, pos + 30)}`);
      const [, closing, name, selfClosing] = m;
      pos = TAG.lastIndex;
      if (closing) {
        const open = stack.pop();
        if (open?.name !== name) throw new Error(`</${name}> closes <${open?.name}>`);
        if (stack.length === 0) root = open;
        continue;
      }
      const element: XmlElement = { name, children: [], text: '' };
      if (stack.length) stack[stack.length - 1].children.push(element);
      else if (root) throw new Error('more than one root element');
      if (selfClosing) {
        if (stack.length === 0) root = element;
      } else {
        stack.push(element);
      }
      continue;
    }
    const next = doc.indexOf('<', pos);
    const raw = doc.slice(pos, next === -1 ? doc.length : next);
    if (raw.includes('>')) throw new Error('stray > in text');
    if (stack.length) stack[stack.length - 1].text += decode(raw);
    else if (raw.trim()) throw new Error('text outside the root element');
    pos = next === -1 ? doc.length : next;
  }
  if (stack.length || !root) throw new Error('unclosed elements');
  return { declaration: decl[1], root };
}

/** The child elements of `e` named `name`. */
export const childrenNamed = (e: XmlElement, name: string) => e.children.filter((c) => c.name === name);

/** The text of the single child `name` of `e`. */
export function textOf(e: XmlElement, name: string): string {
  const found = childrenNamed(e, name);
  if (found.length !== 1) throw new Error(`${e.name} has ${found.length} <${name}>`);
  return found[0].text;
}
