import { configOfSearchVector, searchTextConfig, searchVectorSql } from './search-text-config';

describe('search text configuration', () => {
  it('is simple unless SEARCH_TEXT_CONFIG names another', () => {
    expect(searchTextConfig({})).toBe('simple');
    expect(searchTextConfig({ SEARCH_TEXT_CONFIG: '' })).toBe('simple');
    expect(searchTextConfig({ SEARCH_TEXT_CONFIG: ' english ' })).toBe('english');
  });

  it.each(["x'; drop table messages; --", 'English', '1st', 'a-b', 'x'.repeat(64)])(
    'refuses %j, which would not be a plain identifier in SQL',
    (value) => {
      expect(() => searchTextConfig({ SEARCH_TEXT_CONFIG: value })).toThrow(/SEARCH_TEXT_CONFIG/);
    },
  );

  it('reads the configuration back from the expression as PostgreSQL prints it', () => {
    expect(searchVectorSql('german')).toBe(
      `to_tsvector('german'::regconfig, coalesce("body", ''))`,
    );
    expect(configOfSearchVector("to_tsvector('simple'::regconfig, COALESCE(body, ''::text))")).toBe(
      'simple',
    );
    expect(configOfSearchVector('to_tsvector(body)')).toBeNull();
  });
});
