/**
 * PII detection over plain text: e-mail, phone numbers, payment cards, IBANs, IPv4/IPv6,
 * Spanish DNI/NIE, US SSNs and API-key-like secrets. Each detector proposes candidates with a
 * regular expression and keeps only those that pass a checksum or shape rule, so dates, version
 * strings, order numbers, UUIDs and commit hashes stay untouched. Pure and dependency-free
 * (node:net only validates IPv6).
 */
import { isIPv6 } from "node:net";
import { cardIssuerValid, entropy, ibanValid, IBAN_LENGTHS, luhnValid, spanishIdValid, ssnValid } from "./checksums";

export const PII_TYPES = ["secret", "email", "iban", "credit_card", "us_ssn", "es_dni", "ipv6", "ipv4", "phone"] as const;
export type PiiType = (typeof PII_TYPES)[number];

/** A finding: `text.slice(start, end)` is the value. */
export interface PiiSpan {
  type: PiiType;
  start: number;
  end: number;
}

type Push = (start: number, end: number) => void;
type Detector = (text: string, push: Push) => void;

const isAlnum = (c: string | undefined) => c !== undefined && /[A-Za-z0-9]/.test(c);

const EMAIL = /(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w-])/g;

function email(text: string, push: Push): void {
  if (!text.includes("@")) return;
  for (const m of text.matchAll(EMAIL)) push(m.index, m.index + m[0].length);
}

const CARD = /(?<![\d.,-])\d(?:[ -]?\d){11,18}(?![\d]|[.,-]\d)/g;

function creditCard(text: string, push: Push): void {
  for (const m of text.matchAll(CARD)) {
    const raw = m[0];
    const digits = raw.replace(/[ -]/g, "");
    if (digits.length < 13 || digits.length > 19) continue;
    const seps = new Set(raw.replace(/\d/g, ""));
    if (seps.size > 1) continue;
    // Grouped numbers come in blocks of 3-6 digits (4-4-4-4, 4-6-5, 4-4-4-4-3).
    if (seps.size === 1 && raw.split(/[ -]/).some((g) => g.length < 3 || g.length > 6)) continue;
    if (cardIssuerValid(digits) && luhnValid(digits)) push(m.index, m.index + raw.length);
  }
}

const IBAN = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){10,32}/g;

function iban(text: string, push: Push): void {
  IBAN.lastIndex = 0;
  for (let m = IBAN.exec(text); m; m = IBAN.exec(text)) {
    const length = IBAN_LENGTHS[m[0].slice(0, 2)];
    let end = m.index;
    let value = "";
    if (length !== undefined) {
      for (; end < text.length && value.length < length; end++) {
        const c = text[end]!;
        if (c !== " ") value += c;
        else if (text[end + 1] === " ") break;
      }
    }
    if (length !== undefined && value.length === length && !isAlnum(text[end]) && ibanValid(value)) {
      push(m.index, end);
      IBAN.lastIndex = end;
    } else IBAN.lastIndex = m.index + 2;
  }
}

const OCTET = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const IPV4 = new RegExp(`(?<![\\w.])${OCTET}(?:\\.${OCTET}){3}(?!\\.?\\d|\\w)`, "g");
const VERSION_BEFORE = /(?:version|release|build|v)\s*$/i;

function ipv4(text: string, push: Push): void {
  for (const m of text.matchAll(IPV4)) {
    if (VERSION_BEFORE.test(text.slice(Math.max(0, m.index - 12), m.index))) continue;
    push(m.index, m.index + m[0].length);
  }
}

// May end with a colon that is punctuation ("is at fe80::1:"), never before a digit group.
const IPV6 = /(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]{0,4})(?:%[\w.]+)?(?!\w|:[\w:]|\.\d)/g;

const IPV6_HINT = /[0-9A-Fa-f]:[0-9A-Fa-f]|::/;

function ipv6(text: string, push: Push): void {
  if (!IPV6_HINT.test(text)) return;
  for (const m of text.matchAll(IPV6)) {
    const raw = /[^:]:$/.test(m[0]) ? m[0].slice(0, -1) : m[0];
    const addr = raw.split("%")[0]!;
    // `a::b` is valid IPv6 but far more often code; real addresses carry more hex digits.
    const hexDigits = addr.replace(/\d+(?:\.\d+){3}$/, "").replace(/:/g, "").length;
    if (isIPv6(addr) && (hexDigits >= 4 || addr === "::1")) push(m.index, m.index + raw.length);
  }
}

const SSN = /(?<![\d-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\d]|-\d)/g;
const SSN_WORD = /\b(?:ssn|social security(?: number)?)\W{0,4}(\d{9})\b/dgi;

function usSsn(text: string, push: Push): void {
  for (const m of text.matchAll(SSN)) if (ssnValid(m[1]!, m[3]!, m[4]!)) push(m.index, m.index + m[0].length);
  for (const m of text.matchAll(SSN_WORD)) {
    const d = m[1]!;
    if (ssnValid(d.slice(0, 3), d.slice(3, 5), d.slice(5))) push(m.indices![1]![0], m.indices![1]![1]);
  }
}

const DNI = /(?<![\w-])(?:(\d{8})[- ]?([A-Za-z])|([XYZxyz])[- ]?(\d{7})[- ]?([A-Za-z]))(?!\w)/g;

function esDni(text: string, push: Push): void {
  for (const m of text.matchAll(DNI)) {
    const id = m[1] !== undefined ? m[1] + m[2]! : m[3]! + m[4]! + m[5]!;
    if (spanishIdValid(id.toUpperCase())) push(m.index, m.index + m[0].length);
  }
}

const PHONE = /(?<![\w.+/#-])(?:\+|\b00)?\(?\d[\d ().-]{6,18}\d(?![\w/]|[.-]\d)/g;
const PHONE_WORD = /(?:phone|tel[eé]?fono|tel|mobile|m[oó]vil|cell|call|llama|whatsapp|fax|contact)\W{0,12}$/i;
const NOT_PHONE_WORD = /(?:\b(?:order|invoice|ref|reference|tracking|account|acct|ticket|case|id|serial|no|nr|po)|#)\s*[.:#]?\s*$/i;

function phone(text: string, push: Push): void {
  for (const m of text.matchAll(PHONE)) {
    let raw = m[0].trim();
    let start = m.index;
    // "(612 345 678)": the opening parenthesis belongs to the sentence, not the number.
    if (raw.startsWith("(") && !raw.includes(")")) {
      raw = raw.slice(1);
      start++;
    }
    const before = text.slice(Math.max(0, m.index - 24), m.index);
    if (!PHONE_WORD.test(before) && NOT_PHONE_WORD.test(before)) continue;
    // The candidate may run on into the next number ("...1808. 147,46 €"): try up to the first double separator.
    const head = raw.split(/[ .-]{2,}/)[0]!;
    if (plausiblePhone(raw)) push(start, start + raw.length);
    else if (head !== raw && plausiblePhone(head)) push(start, start + head.length);
  }
}

/** International numbers by E.164 length; national ones only in the common shapes (US, ES, UK/EU with a trunk 0). */
function plausiblePhone(raw: string): boolean {
  if ((raw.match(/\(/g)?.length ?? 0) !== (raw.match(/\)/g)?.length ?? 0)) return false;
  if (/[ .-]{2}/.test(raw.replace(/\) /g, ")"))) return false;
  const seps = new Set(raw.replace(/[\d()+]/g, ""));
  if (seps.size > 2) return false;
  const intl = raw.startsWith("+") || raw.startsWith("00");
  const digits = raw.startsWith("00") ? raw.replace(/\D/g, "").slice(2) : raw.replace(/\D/g, "");
  if (intl) return digits.length >= 8 && digits.length <= 15 && digits[0] !== "0" && (seps.size > 0 || raw.startsWith("+"));
  const n = digits.length;
  if (seps.size === 0 && !raw.includes("(")) return (n === 9 && /^[67]/.test(digits)) || (n === 11 && digits.startsWith("07"));
  if (raw.split(/[ .()-]+/).some((g) => g.length === 1)) return false;
  if (n === 10 && /^\(?[2-9]\d{2}\)?[ .-]?\d{3}[ .-]\d{4}$/.test(raw)) return true;
  // Spanish numbers are written 3-3-3, 3-2-2-2 or 2-3-2-2 (3-2-4 is an SSN's shape).
  if (n === 9 && /^[6789]/.test(digits)) return ["333", "3222", "2322"].includes(raw.split(/[ .-]+/).map((g) => g.length).join(""));
  return (n === 10 || n === 11) && digits.startsWith("0") && digits[1] !== "0";
}

const SECRET_SHAPES = [
  /(?<![\w-])sk-ant-[A-Za-z0-9_-]{20,}/g,
  /(?<![\w-])sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/g,
  /(?<![A-Za-z0-9])(?:AKIA|ASIA)[0-9A-Z]{16}(?![A-Za-z0-9])/g,
  /(?<![\w])(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{50,255})/g,
  /(?<![\w-])xox[abposr]-[A-Za-z0-9-]{10,}/g,
  /(?<![\w-])AIza[0-9A-Za-z_-]{35}(?![\w-])/g,
  /(?<![\w-])eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{10,}/g,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
];
const SECRET_WORD =
  /\b(?:api[_ -]?key|apikey|secret(?:[_ -]?key)?|client[_ -]?secret|(?:access|auth|api|bearer|refresh|session)?[_ -]?token|access[_ -]?key|password|passwd|pwd|bearer|credentials?|private[_ -]?key)s?\b["'`]?\s*(:|=|is|was|->)?\s*["'`]?([A-Za-z0-9_\-./+~]{16,256}={0,2})/dgi;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const SECRET_HINT = /sk-|A[KS]IA|gh[pousr]_|github_pat_|xox[abposr]-|AIza|eyJ|PRIVATE KEY/;
const SECRET_WORD_HINT = /key|token|secret|passw|pwd|bearer|credential/i;

function secret(text: string, push: Push): void {
  if (SECRET_HINT.test(text)) for (const re of SECRET_SHAPES) for (const m of text.matchAll(re)) push(m.index, m.index + m[0].length);
  if (!SECRET_WORD_HINT.test(text)) return;
  for (const m of text.matchAll(SECRET_WORD)) {
    const token = m[2]!.replace(/[.]+$/, "");
    if (!/[A-Za-z]/.test(token) || !/\d/.test(token) || UUID.test(token)) continue;
    // Hex strings near "token" are usually hashes unless assigned (`token=...`, `key: ...`).
    const assigned = m[1] === ":" || m[1] === "=";
    if (/^[0-9a-f]+$/i.test(token) && !assigned) continue;
    if (entropy(token) < 3.2) continue;
    const start = m.indices![2]![0];
    push(start, start + token.length);
  }
}

const DETECTORS: Record<PiiType, Detector> = {
  secret,
  email,
  iban,
  credit_card: creditCard,
  us_ssn: usSsn,
  es_dni: esDni,
  ipv6,
  ipv4,
  phone,
};

/**
 * Every finding in `text`, in order, without overlaps: where two detectors claim the same
 * characters the more specific type wins (PII_TYPES order), then the longer span.
 */
export function detect(text: string, types: readonly PiiType[] = PII_TYPES): PiiSpan[] {
  if (text.length < 6) return [];
  const found: Array<PiiSpan & { rank: number }> = [];
  // Every type but e-mail and secrets needs digits; most prose has none, so most text skips them.
  const digits = /\d/.test(text);
  for (const type of types) {
    if (!digits && type !== "email" && type !== "secret") continue;
    const rank = PII_TYPES.indexOf(type);
    DETECTORS[type](text, (start, end) => found.push({ type, start, end, rank }));
  }
  if (found.length <= 1) return found.map(({ type, start, end }) => ({ type, start, end }));
  found.sort((a, b) => a.rank - b.rank || b.end - b.start - (a.end - a.start));
  const kept: PiiSpan[] = [];
  for (const s of found) {
    if (!kept.some((k) => s.start < k.end && k.start < s.end)) kept.push({ type: s.type, start: s.start, end: s.end });
  }
  return kept.sort((a, b) => a.start - b.start);
}
