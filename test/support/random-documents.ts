import { Binary, Decimal128, Long, ObjectId, Timestamp, type Document } from 'bson';

/** A small deterministic PRNG (mulberry32) so a failing seed can be replayed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

/** A value of one of the BSON types the engine stores (and a few it might). */
export function randomValue(random: () => number, depth = 0): unknown {
  const kinds = depth > 1 ? 11 : 13;
  switch (Math.floor(random() * kinds)) {
    case 0:
      return `s${Math.floor(random() * 20)}`;
    case 1:
      return Math.floor(random() * 100) - 50;
    case 2:
      return random() * 1000;
    case 3:
      return random() < 0.5;
    case 4:
      return null;
    case 5:
      return new Date(1_700_000_000_000 + Math.floor(random() * 1e9));
    case 6:
      return new ObjectId();
    case 7:
      return new Binary(
        Buffer.from(Array.from({ length: Math.floor(random() * 40) }, () => Math.floor(random() * 256))),
        random() < 0.5 ? 0 : 5,
      );
    case 8:
      return random() < 0.5 ? Long.fromString('9007199254740993') : Long.fromNumber(Math.floor(random() * 1000));
    case 9:
      return Decimal128.fromString(`${Math.floor(random() * 1000)}.${Math.floor(random() * 100)}`);
    case 10:
      return new Timestamp({ t: Math.floor(random() * 1e6), i: Math.floor(random() * 10) });
    case 11:
      return randomDocument(random, depth + 1);
    default:
      return Array.from({ length: Math.floor(random() * 4) }, () => randomValue(random, depth + 1));
  }
}

export function randomDocument(random: () => number, depth = 0): Document {
  const document: Document = {};
  const fields = 1 + Math.floor(random() * 5);
  for (let index = 0; index < fields; index += 1) document[pick(random, ['a', 'b', 'c', 'd', 'e', 'f'])] = randomValue(random, depth);
  return document;
}
