import { groupBy } from './group-by';

describe('groupBy', () => {
  it('groups items by key, keys and items in the order first seen', () => {
    const groups = groupBy([3, 1, 4, 1, 5, 9, 2, 6], (n) => n % 3);
    expect([...groups.entries()]).toEqual([
      [0, [3, 9, 6]],
      [1, [1, 4, 1]],
      [2, [5, 2]],
    ]);
  });

  it('answers an empty map for no items', () => {
    expect(groupBy([], () => 0).size).toBe(0);
  });
});
