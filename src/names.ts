import unhomoglyph from 'unhomoglyph';
import { hasUnsafeChars, printable } from './text.js';

// Name and wording rules shared by matching, ignore lists, export, validation and messages.

/** `[TEST] Acme` -> `Acme`: the server adds the prefix in TEST mode, so names compare without it. */
export function stripTestPrefix(name: string): string {
  return name.replace(/^\[TEST\]\s*/, '');
}

/**
 * The form in which names are compared with live ones: without the [TEST] prefix, Unicode
 * NFC, surrounding whitespace trimmed. A server may trim or normalise what it stores; a live
 * name that differs only so is the same name (never a create and a delete).
 */
export const orgNameKey = (name: string) => stripTestPrefix(intNameKey(name)).trim();
/** Printable ASCII with no space at either end is already in that form (most names: a fast path). */
const PLAIN = /^[!-~](?:[ -~]*[!-~])?$/;
/** Integrations have no [TEST] prefix. */
export const intNameKey = (name: string) => (PLAIN.test(name) ? name : name.normalize('NFC').trim());

/** Why a name from the file would not survive a server that normalises names, or null. */
export function nameProblem(name: string): string | null {
  if (PLAIN.test(name)) return null; // printable ASCII, no space at either end: nothing to normalise
  if (name !== name.trim()) return 'has leading or trailing whitespace: a server may trim it, and every apply would then create the name again';
  const bad = hasUnsafeChars(name) ? [...name].find((ch) => hasUnsafeChars(ch)) : undefined;
  if (bad) return `holds a control or invisible character (${printable(bad)}): the name would print like another one`;
  if (name !== name.normalize('NFC')) return 'is not in Unicode NFC form (write accented letters as one character): the name would print like another one';
  return null;
}

/**
 * A live name as a user writes it in the file: without the server's [TEST] prefix, in NFC,
 * trimmed, without control or invisible characters. `changed` says whether characters had to
 * be dropped (then the first apply renames the object to this name).
 */
export function fileName(name: string, prefixed: boolean): { name: string; changed: boolean } {
  // the prefix is dropped once, unless what follows starts with it too (then it is part of the name)
  const stripped = stripTestPrefix(name);
  const bare = (prefixed && !/^\[TEST\]/.test(stripped) ? stripped : name).normalize('NFC');
  const clean = [...bare].filter((ch) => !hasUnsafeChars(ch)).join('').trim();
  return { name: clean, changed: clean !== bare.trim() };
}

/** Names that look alike compare equal here: case-folded and mapped to confusable skeletons (Unicode TS #39). */
export const lookalikeKey = (name: string) =>
  ASCII.test(name) ? unhomoglyph(name.toLowerCase()).toLowerCase() : unhomoglyph(name.normalize('NFD').toLowerCase()).toLowerCase().normalize('NFC');
/** ASCII has no decomposition: NFD and NFC leave it as it is */
const ASCII = /^[\x00-\x7f]*$/;

