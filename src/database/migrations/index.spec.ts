import { readdirSync } from 'node:fs';
import { MIGRATIONS } from '.';

describe('MIGRATIONS', () => {
  it('lists every migration file of the folder, oldest first', () => {
    const files = readdirSync(__dirname)
      .filter((file) => /^\d+-[\w-]+\.ts$/.test(file))
      .sort();
    const timestamps = files.map((file) => file.split('-')[0]);
    const listed = MIGRATIONS.map((migration) => /(\d+)$/.exec(migration.name)?.[1]);
    expect(listed).toEqual(timestamps);
  });
});
