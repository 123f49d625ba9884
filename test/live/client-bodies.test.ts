import { describe, expect, it } from 'vitest';
import { describeText, readErrorBody } from '../../src/live/errors.js';
import { line } from '../../src/commands/io.js';
import { ADMIN, caught } from '../helpers.js';
import { run } from '../wire/helpers.js';
import { testClient } from './helpers.js';
import { httpApi } from './servers.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';

// Bodies that are not JSON, as gateways send them (seen: `413: non-JSON answer: <html>\x0d`):
// told by their title or first text, on one short printable line.

const nginx = (title: string, h1 = title, extra = '') =>
  `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${h1}</h1></center>\r\n${extra}<hr><center>nginx/1.25.3</center>\r\n</body>\r\n</html>\r\n`;

const NGINX_502 = nginx('502 Bad Gateway');
const NGINX_504 = nginx('504 Gateway Time-out');
const NGINX_413 = nginx('413 Request Entity Too Large');
const NGINX_PLAIN_TO_HTTPS = nginx('400 The plain HTTP request was sent to HTTPS port', '400 Bad Request', '<center>The plain HTTP request was sent to HTTPS port</center>\r\n');

describe('describeText and readErrorBody, by table', () => {
  it.each([
    ['nginx 502', NGINX_502, 'HTML page: 502 Bad Gateway'],
    ['nginx 504', NGINX_504, 'HTML page: 504 Gateway Time-out'],
    ['nginx 413', NGINX_413, 'HTML page: 413 Request Entity Too Large'],
    ['plain http sent to an https port', NGINX_PLAIN_TO_HTTPS, 'HTML page: 400 The plain HTTP request was sent to HTTPS port'],
    ['a doctype, a comment, entities in the title', '<!-- generated -->\n<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>\n  Service &amp; API &#8212; down &#x2014; &quot;maintenance&quot;\n</title><style>body{}</style></head><body>x</body></html>', 'HTML page: Service & API — down — "maintenance"'],
    ['no title: the first text of the body, without scripts or styles', '<html><head><script>var a = "<b>";</script><style>p{}</style></head><body><script>alert(1)</script><h1>Request blocked</h1><p>Reference #18.5f</p></body></html>', 'HTML page: Request blocked Reference #18.5f'],
    ['an empty title falls back to the text', '<html><head><title> </title></head><body><p>Gateway error</p></body></html>', 'HTML page: Gateway error'],
    ['no text at all', '<html><body><img src="x.png"></body></html>', 'HTML page without text'],
    ['a very long title is cut', `<title>${'x'.repeat(500)}</title>`, `HTML page: ${'x'.repeat(119)}…`],
    ['plain text with CRLF: its first line, without the CR', 'Bad Gateway\r\nmore\r\n', 'Bad Gateway'],
    ['plain text, first line long', 'y'.repeat(300), `${'y'.repeat(199)}…`],
    ['not HTML though it has a tag later', 'upstream said <b>no</b>', 'upstream said <b>no</b>'],
  ])('%s', (_what, body, expected) => {
    expect(describeText(body)).toBe(expected);
  });

  it.each([
    [NGINX_502, 'HTML page: 502 Bad Gateway'],
    ['Bad Gateway\r\n', 'non-JSON answer: Bad Gateway'],
    ['   \r\n ', 'empty answer'],
  ])('readErrorBody(%j)', (body, message) => {
    expect(readErrorBody(body)).toEqual({ code: null, message });
  });

  it('a title with control characters prints on one line, escaped', () => {
    const text = describeText('<title>Bad\x1b[31m\u202eGateway</title>');
    expect(line(text)).toBe('HTML page: Bad\\x1b[31m\\u{202e}Gateway\n');
  });

  it('a page of megabytes is read from its head only', () => {
    const body = `<html><head><title>Big</title></head><body>${'<div>'.repeat(1_000_000)}</body></html>`;
    expect(describeText(body)).toBe('HTML page: Big');
  });
});

describe('gateway pages over HTTP', () => {
  const page = (status: number, body: string) =>
    httpApi((_q, res) => {
      res.writeHead(status, { 'content-type': 'text/html' });
      res.end(body);
    });

  it.each([
    [502, NGINX_502, 'GET /v1/organisations: 502: HTML page: 502 Bad Gateway'],
    [504, NGINX_504, 'GET /v1/organisations: 504: HTML page: 504 Gateway Time-out'],
    [400, NGINX_PLAIN_TO_HTTPS, 'GET /v1/organisations: 400: HTML page: 400 The plain HTTP request was sent to HTTPS port'],
  ])('a %i page on a read', async (_status, body, summary) => {
    const api = await page(_status, body);
    try {
      const e = await caught(testClient(api.url, ADMIN, { retries: 1 }).request('GET', '/v1/organisations'));
      expect(e.summary).toBe(summary);
    } finally {
      await api.close();
    }
  });

  it('a 413 page on a create, as apply prints it (seen: failed (413: non-JSON answer: <html>\\x0d))', async () => {
    const api = await httpApi((req, res) => {
      if (req.method === 'GET') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"items":[],"count":0}');
      res.writeHead(413, { 'content-type': 'text/html' }).end(NGINX_413);
    });
    const dir = mkdtempSync(`${tmpdir()}/cbsync-bodies-`);
    writeFileSync(`${dir}/new.yaml`, 'version: 1\norganisations: [{name: New}]\n');
    try {
      const r = await run('apply', api.url, `${dir}/new.yaml`, ADMIN);
      expect(r.out).toContain('organisation["New"]: failed (413: HTML page: 413 Request Entity Too Large)');
      expect(r.out + r.err).not.toContain('\\x0d');
    } finally {
      await api.close();
    }
  });

  it('a 200 HTML page where JSON was expected (a captive portal) names the page', async () => {
    const api = await page(200, '<!doctype html><html><head><title>Sign in to the network</title></head><body></body></html>');
    try {
      const e = await caught(testClient(api.url, ADMIN).request('GET', '/v1/organisations'));
      expect(e.kind).toBe('non_json');
      expect(e.summary).toBe('GET /v1/organisations: 200: non-JSON answer: HTML page: Sign in to the network');
    } finally {
      await api.close();
    }
  });
});
