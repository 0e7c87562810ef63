/**
 * The GeoReport wire format: the format suffix of every resource (.json or .xml), UTF-8
 * content types, W3C datetimes with the city's UTC offset, and the spec's error list
 * `[{ code, description }]` / `<errors><error>…</error></errors>`.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toXmlDocument, type XmlValue } from './xml.ts';

export type Format = 'json' | 'xml';
export const FORMATS: readonly Format[] = ['json', 'xml'];

export const CONTENT_TYPES: Readonly<Record<Format, string>> = {
  json: 'application/json; charset=utf-8',
  xml: 'text/xml; charset=utf-8',
};

/** Element names of array items, by the array's name (the Spark convention's singulars). */
const ITEM_NAMES: Readonly<Record<string, string>> = {
  services: 'service', attributes: 'attribute', values: 'value', service_requests: 'request',
  errors: 'error', endpoints: 'endpoint', formats: 'format',
};

/** HTTP statuses the spec allows: 400 for any request that cannot be fulfilled, 403 for the api_key, 404 for what does not exist; and 429 when an app or address sends too fast. */
export type Open311Status = 400 | 403 | 404 | 429;

/** A refusal in the spec's terms; `description` is shown to the app's user. */
export class Open311Error extends Error {
  readonly status: Open311Status;
  constructor(status: Open311Status, description: string) {
    super(description);
    this.status = status;
  }
}

export function isFormat(value: unknown): value is Format {
  return (FORMATS as readonly unknown[]).includes(value);
}

/**
 * The format to answer in: the resource's suffix when it is one we serve; otherwise (an
 * unknown suffix, an unknown path) JSON if the client accepts it, else XML, the spec's
 * required format.
 */
export function formatOf(request: FastifyRequest): Format {
  const suffix = (request.params as { format?: string } | undefined)?.format;
  if (isFormat(suffix)) return suffix;
  const path = request.url.split('?')[0];
  const dot = /\.([a-z]+)$/i.exec(path)?.[1]?.toLowerCase();
  if (isFormat(dot)) return dot;
  return /\bjson\b/i.test(request.headers.accept ?? '') ? 'json' : 'xml';
}

/** Sends a resource; `root` names the XML document element (the JSON has no root). */
export function sendResource(reply: FastifyReply, format: Format, root: string, value: XmlValue, status = 200): FastifyReply {
  const body = format === 'json' ? JSON.stringify(value) : toXmlDocument(root, value, ITEM_NAMES);
  return reply.status(status).type(CONTENT_TYPES[format]).send(body);
}

export function sendErrors(reply: FastifyReply, format: Format, status: Open311Status, descriptions: readonly string[]): FastifyReply {
  return sendResource(reply, format, 'errors', descriptions.map((description) => ({ code: status, description })), status);
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = offsetFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'longOffset',
    });
    offsetFormatters.set(timeZone, f);
  }
  return f;
}

/** An instant as a W3C datetime in the city's time zone with its offset, e.g. 2026-09-29T09:00:00+08:00. */
export function w3cDateTime(iso: string, timeZone: string): string;
export function w3cDateTime(iso: string | null, timeZone: string): string | null;
export function w3cDateTime(iso: string | null, timeZone: string): string | null {
  if (!iso) return null;
  const parts = formatterFor(timeZone).formatToParts(new Date(iso));
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  // longOffset reads 'GMT+08:00', or plain 'GMT' for UTC itself.
  const offset = get('timeZoneName').replace('GMT', '') || '+00:00';
  return `${get('year')}-${get('month')}-${get('day')}T${get('hour')}:${get('minute')}:${get('second')}${offset}`;
}

/** The same instant for Chinese text: '2026-10-10 18:00'. */
export function localMinutes(iso: string, timeZone: string): string {
  return w3cDateTime(iso, timeZone).slice(0, 16).replace('T', ' ');
}
