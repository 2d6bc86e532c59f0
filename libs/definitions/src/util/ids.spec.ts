import { generateId, resourceIdFor } from './ids';

describe('resourceIdFor', () => {
  it('is a stable 10-char lowercase alphanumeric id per path', () => {
    expect(resourceIdFor('/pets/{id}')).toMatch(/^[a-z0-9]{10}$/);
    expect(resourceIdFor('/pets/{id}')).toBe(resourceIdFor('/pets/{id}'));
    expect(resourceIdFor('/pets/{id}')).not.toBe(resourceIdFor('/pets/{petId}'));
  });

  it('does not collide over many paths', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 20_000; i++) ids.add(resourceIdFor(`/r/${i}`));
    expect(ids.size).toBe(20_000);
  });
});

describe('generateId', () => {
  it('is random, lowercase alphanumeric, 10 chars by default', () => {
    const a = generateId();
    expect(a).toMatch(/^[a-z0-9]{10}$/);
    expect(generateId()).not.toBe(a);
    expect(generateId(6)).toMatch(/^[a-z0-9]{6}$/);
  });
});
