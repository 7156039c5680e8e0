/**
 * I-JSON (RFC 7493) with bounded work, for everything the portal parses from a caller:
 * request bodies and request tokens. JSON.parse alone reads some texts differently from
 * other parsers (a duplicate member: last wins here, first wins elsewhere; a lone
 * surrogate escape becomes U+FFFD once re-encoded), so the stored record could differ from
 * the signed bytes. And it builds whatever it is given, however deep or long, before the
 * schema validator (recursive, quadratic on uniqueItems) ever sees it.
 *
 * `scanJson` walks the text once, without building values and without recursion, and
 * stops at the first problem: a syntax error, a duplicate member name (compared after
 * unescaping), a lone surrogate (escaped or raw), a number beyond IEEE 754 double, or a
 * bound exceeded (depth, values, and per location the contract's maxItems and maxLength).
 * Only a text it passes reaches JSON.parse. Plain JavaScript: runs on Node and Workers.
 */

/** Bounds the contract sets at one location of a document (see json-bounds.ts). */
export interface JsonBounds {
  /** Most items an array here may have. */
  maxItems?: number;
  /** Most characters (Unicode code points, as JSON Schema counts) a string here may have. */
  maxLength?: number;
  /** Bounds of named members; `additional` for any other member name. */
  properties?: ReadonlyMap<string, JsonBounds>;
  additional?: JsonBounds;
  /** Bounds of every item of an array here. */
  items?: JsonBounds;
}

export interface JsonLimits {
  /** Deepest nesting of arrays and objects. */
  maxDepth: number;
  /** Most values (objects, arrays, strings, numbers, literals) in the whole document. */
  maxValues: number;
  /** Per-location bounds from the contract, starting at the root. */
  bounds?: JsonBounds;
}

export type JsonRefusalKind =
  | 'syntax'
  | 'duplicate-member'
  | 'lone-surrogate'
  | 'number-out-of-range'
  | 'too-deep'
  | 'too-many-values'
  | 'too-many-items'
  | 'too-long';

export interface JsonRefusal {
  kind: JsonRefusalKind;
  /** JSON pointer (RFC 6901) of the offending value or member. */
  pointer: string;
  detail: string;
}

interface Frame {
  array: boolean;
  bounds: JsonBounds | undefined;
  /** Items seen so far (arrays). */
  count: number;
  /** Member names seen so far (objects), unescaped. */
  names: Set<string> | null;
  /** The member name whose value is being read (objects). */
  name: string;
  /** A member name is being read: the pointer stops at this object. */
  naming: boolean;
}

const escapePointer = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');

function pointerOf(stack: Frame[], extra?: string): string {
  let pointer = '';
  for (const frame of stack) {
    if (frame.naming) break;
    pointer += `/${frame.array ? String(frame.count - 1) : escapePointer(frame.name)}`;
  }
  return extra === undefined ? pointer : `${pointer}/${escapePointer(extra)}`;
}

class Refused {
  constructor(readonly refusal: JsonRefusal) {}
}

const isHex = (code: number) => (code >= 48 && code <= 57) || (code >= 65 && code <= 70) || (code >= 97 && code <= 102);

/**
 * Scans `text` as one I-JSON document within `limits`; returns the first refusal, or null
 * when JSON.parse may read it.
 */
export function scanJson(text: string, limits: JsonLimits): JsonRefusal | null {
  const n = text.length;
  const stack: Frame[] = [];
  let i = 0;
  let values = 0;

  const fail = (kind: JsonRefusalKind, detail: string, pointer = pointerOf(stack)): never => {
    throw new Refused({ kind, pointer, detail });
  };
  const syntax = (): never => fail('syntax', `not valid JSON at character ${Math.min(i, n)}`, '');

  const skipSpace = () => {
    for (;;) {
      const code = text.charCodeAt(i);
      if (code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09) i++;
      else return;
    }
  };

  /** Code points of the string readString read last, and whether it had escapes. */
  let stringLength = 0;
  let stringEscaped = false;

  /**
   * Reads the string whose opening quote is at i; leaves i after the closing quote and
   * its length in code points in stringLength. The hot loop keeps its index in a local.
   */
  const readString = (): void => {
    let j = i + 1;
    let length = 0;
    let escaped = false;
    for (;;) {
      const code = text.charCodeAt(j);
      if (code === 0x22) break;
      if (code >= 0x20 && code < 0x5c) {
        j++;
      } else if (code === 0x5c) {
        escaped = true;
        const next = text.charCodeAt(j + 1);
        if (next === 0x75) {
          const unit = readUnicodeEscape(j);
          j += 6;
          if (unit >= 0xd800 && unit <= 0xdbff) {
            // A high surrogate counts only with the low surrogate escape right after it.
            const low = text.charCodeAt(j) === 0x5c && text.charCodeAt(j + 1) === 0x75 ? readUnicodeEscape(j) : -1;
            if (low < 0xdc00 || low > 0xdfff)
              fail('lone-surrogate', 'a \\u escape of a high surrogate without its low surrogate');
            j += 6;
          } else if (unit >= 0xdc00 && unit <= 0xdfff) {
            fail('lone-surrogate', 'a \\u escape of a low surrogate without its high surrogate');
          }
        } else if (
          next === 0x22 ||
          next === 0x5c ||
          next === 0x2f ||
          next === 0x62 ||
          next === 0x66 ||
          next === 0x6e ||
          next === 0x72 ||
          next === 0x74
        ) {
          j += 2;
        } else {
          i = j;
          syntax();
        }
      } else if (code >= 0xd800 && code <= 0xdfff) {
        // The body was decoded from strict UTF-8, so these come in pairs; tokens too. Checked
        // anyway, since a caller may hand in text from elsewhere.
        const low = text.charCodeAt(j + 1);
        if (code > 0xdbff || !(low >= 0xdc00 && low <= 0xdfff)) fail('lone-surrogate', 'a lone surrogate code unit');
        j += 2;
      } else if (code > 0x5c) {
        j++;
      } else {
        // A control character, or the end of the text (NaN).
        i = j;
        syntax();
      }
      length++;
    }
    i = j + 1;
    stringLength = length;
    stringEscaped = escaped;
  };

  const readUnicodeEscape = (at: number): number => {
    for (let k = at + 2; k < at + 6; k++) if (!isHex(text.charCodeAt(k))) syntax();
    return parseInt(text.slice(at + 2, at + 6), 16);
  };

  const readNumber = () => {
    const start = i;
    if (text.charCodeAt(i) === 0x2d) i++;
    const first = text.charCodeAt(i);
    if (first === 0x30) i++;
    else if (first >= 0x31 && first <= 0x39) while (text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x39) i++;
    else syntax();
    let integer = true;
    if (text.charCodeAt(i) === 0x2e) {
      integer = false;
      i++;
      if (!(text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x39)) syntax();
      while (text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x39) i++;
    }
    const e = text.charCodeAt(i);
    if (e === 0x65 || e === 0x45) {
      integer = false;
      i++;
      if (text.charCodeAt(i) === 0x2b || text.charCodeAt(i) === 0x2d) i++;
      if (!(text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x39)) syntax();
      while (text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x39) i++;
    }
    // RFC 7493 section 2.2: no greater magnitude or precision than a double. Integers are
    // exact only up to 2^53; anything that overflows, or underflows to 0, reads differently.
    if (integer) {
      if (i - start > 15 && !Number.isSafeInteger(Number(text.slice(start, i))))
        fail('number-out-of-range', 'an integer beyond +-(2^53 - 1) is not exact in IEEE 754 double');
    } else {
      const literal = text.slice(start, i);
      const value = Number(literal);
      if (!Number.isFinite(value) || (value === 0 && /[1-9]/.test(literal.split(/[eE]/)[0]!))) {
        fail('number-out-of-range', 'a number that IEEE 754 double cannot hold (overflow or underflow)');
      }
    }
  };

  const readLiteral = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else syntax();
  };

  /** Reads a member name and its colon; leaves i at the value. */
  const readName = (frame: Frame) => {
    if (text.charCodeAt(i) !== 0x22) syntax();
    const start = i;
    frame.naming = true;
    readString();
    const name = stringEscaped ? (JSON.parse(text.slice(start, i)) as string) : text.slice(start + 1, i - 1);
    if (frame.names!.has(name))
      fail(
        'duplicate-member',
        `the member name ${JSON.stringify(name)} appears more than once in this object`,
        pointerOf(stack, name),
      );
    frame.names!.add(name);
    frame.name = name;
    frame.naming = false;
    skipSpace();
    if (text.charCodeAt(i) !== 0x3a) syntax();
    i++;
  };

  /** Counts the array item that starts here: past maxItems, the array itself is refused. */
  const nextItem = (frame: Frame) => {
    const max = frame.bounds?.maxItems;
    if (max !== undefined && frame.count >= max) {
      stack.pop();
      fail('too-many-items', `must NOT have more than ${max} items`);
    }
    frame.count++;
  };

  const childBounds = (frame: Frame | undefined): JsonBounds | undefined => {
    if (!frame) return limits.bounds;
    if (frame.array) return frame.bounds?.items;
    return frame.bounds?.properties?.get(frame.name) ?? frame.bounds?.additional;
  };

  try {
    for (;;) {
      // A value starts here.
      skipSpace();
      if (++values > limits.maxValues) fail('too-many-values', `more than ${limits.maxValues} values in one document`);
      const bounds = childBounds(stack[stack.length - 1]);
      const code = text.charCodeAt(i);
      let container = false;
      if (code === 0x7b || code === 0x5b) {
        if (stack.length >= limits.maxDepth) fail('too-deep', `nested deeper than ${limits.maxDepth} levels`);
        const array = code === 0x5b;
        const frame: Frame = { array, bounds, count: 0, names: array ? null : new Set(), name: '', naming: false };
        stack.push(frame);
        i++;
        skipSpace();
        if (text.charCodeAt(i) === (array ? 0x5d : 0x7d)) {
          i++;
          stack.pop();
        } else {
          container = true;
          if (array) nextItem(frame);
          else readName(frame);
        }
      } else if (code === 0x22) {
        readString();
        if (bounds?.maxLength !== undefined && stringLength > bounds.maxLength)
          fail('too-long', `must NOT have more than ${bounds.maxLength} characters`);
      } else if (code === 0x2d || (code >= 0x30 && code <= 0x39)) {
        readNumber();
      } else if (code === 0x74) {
        readLiteral('true');
      } else if (code === 0x66) {
        readLiteral('false');
      } else if (code === 0x6e) {
        readLiteral('null');
      } else {
        syntax();
      }
      if (container) continue;

      // After a value: close containers, or move on to the next item or member.
      for (;;) {
        skipSpace();
        const frame = stack[stack.length - 1];
        if (!frame) {
          if (i !== n) syntax();
          return null;
        }
        const next = text.charCodeAt(i);
        if (next === 0x2c) {
          i++;
          skipSpace();
          if (frame.array) nextItem(frame);
          else readName(frame);
          break;
        }
        if (next === (frame.array ? 0x5d : 0x7d)) {
          i++;
          stack.pop();
          continue;
        }
        syntax();
      }
    }
  } catch (error) {
    if (error instanceof Refused) return error.refusal;
    throw error;
  }
}
