/**
 * XML output of the GeoReport API. The spec defines its JSON as a mechanical mapping of its
 * XML (the Spark convention), so one serializer turns the JSON-shaped value into XML: an
 * object's keys become child elements in order, an array becomes a wrapper element whose items
 * take the singular name, null becomes an empty element and undefined leaves the element out.
 */

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

/** Declare resources as type aliases: unlike interfaces they fit the index signature. */
export type XmlValue = string | number | boolean | null | undefined | readonly XmlValue[] | { readonly [key: string]: XmlValue };

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

// XML 1.0 admits tab, newline, carriage return and U+0020 upwards except surrogates and U+FFFE/U+FFFF;
// one such character in a resident's text would make the whole document ill-formed.
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function escapeXml(text: string): string {
  return text.replace(NOT_XML_CHAR, '').replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

const ELEMENT_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/**
 * A whole document: the declaration, then `value` as the element `name`. `itemNames` gives the
 * element name of an array's items by the array's own name ('services' → 'service').
 */
export function toXmlDocument(name: string, value: XmlValue, itemNames: Readonly<Record<string, string>>): string {
  return `${XML_DECLARATION}\n${element(name, value, itemNames)}\n`;
}

function element(name: string, value: XmlValue, itemNames: Readonly<Record<string, string>>): string {
  if (!ELEMENT_NAME.test(name)) throw new Error(`not an XML element name: ${name}`);
  if (value === null || value === undefined) return `<${name}/>`;
  if (Array.isArray(value)) {
    const item = itemNames[name];
    if (!item) throw new Error(`no item element name for the array ${name}`);
    return `<${name}>${value.map((v: XmlValue) => element(item, v, itemNames)).join('')}</${name}>`;
  }
  if (typeof value === 'object') {
    const children = Object.entries(value as { readonly [key: string]: XmlValue })
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => element(k, v, itemNames));
    return `<${name}>${children.join('')}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}
