import { describe, expect, it } from 'vitest';
import { fixedClock } from './clock.ts';
import { uuidv7Generator } from './ids.ts';

const UUIDV7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('uuidv7Generator', () => {
  it('makes unique, strictly increasing UUIDv7s even when the clock stands still', () => {
    const clock = fixedClock('2026-11-27T09:00:00.000Z');
    const next = uuidv7Generator(clock);
    const ids = Array.from({ length: 10_000 }, next); // more than the 12-bit counter holds
    expect(ids.every((id) => UUIDV7.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    expect(ids[0]!.replace(/-/g, '').slice(0, 12)).toBe(clock.now().getTime().toString(16).padStart(12, '0'));
  });

  it('stays increasing when the clock steps back', () => {
    const clock = fixedClock('2026-11-27T09:00:00.000Z');
    const next = uuidv7Generator(clock);
    const before = next();
    clock.advance(-5000);
    expect(next() > before).toBe(true);
  });
});
