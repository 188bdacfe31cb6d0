import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { lintFromString, loadConfig } from '@redocly/openapi-core';
import { Document, Ruleset, RulesetDefinition, Spectral } from '@stoplight/spectral-core';
import { Json } from '@stoplight/spectral-parsers';
import { oas } from '@stoplight/spectral-rulesets';
import { parse as parseYaml } from 'yaml';

const ROOT = resolve(__dirname, '../..');
/** Where the configs' by-hand instructions save the document: their per-place rules name it. */
const DOCUMENT_FILE = resolve(ROOT, 'docs-json.json');
const SPECTRAL_CONFIG = resolve(ROOT, '.spectral.yaml');
const SPECTRAL_SEVERITY = ['error', 'warn', 'info', 'hint'];

/**
 * Redocly's findings for an OpenAPI document under the top-level redocly.yaml and its ignore file,
 * as Redocly CLI reads them, one line each: `severity rule at pointer: message`.
 */
export async function redoclyFindings(document: object): Promise<string[]> {
  const config = await loadConfig({ configPath: resolve(ROOT, 'redocly.yaml') });
  const problems = await lintFromString({
    source: JSON.stringify(document, null, 2),
    absoluteRef: DOCUMENT_FILE,
    config,
  });
  return problems
    .filter((problem) => !problem.ignored)
    .map((problem) => {
      const where = problem.location.map((location) => location.pointer).join(', ');
      return `${problem.severity} ${problem.ruleId} at ${where}: ${problem.message}`;
    });
}

/**
 * Spectral's findings of every severity under the top-level .spectral.yaml. The file is read here
 * rather than by Spectral's ruleset bundler (a heavy dependency), so it may only extend
 * `spectral:oas`; its rules and overrides apply as Spectral CLI applies them.
 */
export async function spectralFindings(document: object): Promise<string[]> {
  const { extends: extended, ...rest } = parseYaml(readFileSync(SPECTRAL_CONFIG, 'utf8')) as {
    extends?: unknown;
  };
  if (JSON.stringify(extended) !== '["spectral:oas"]') {
    throw new Error(`${SPECTRAL_CONFIG}: the tests read only \`extends: ['spectral:oas']\``);
  }
  const definition = { ...rest, extends: [oas] } as RulesetDefinition;
  const spectral = new Spectral();
  spectral.setRuleset(new Ruleset(definition, { source: SPECTRAL_CONFIG }));
  const text = JSON.stringify(document, null, 2);
  const results = await spectral.run(new Document(text, Json, DOCUMENT_FILE));
  return results.map((result) => {
    const pointer = result.path.map((key) => String(key).replace(/~/g, '~0').replace(/\//g, '~1'));
    const severity = SPECTRAL_SEVERITY[result.severity];
    return `${severity} ${result.code} at #/${pointer.join('/')}: ${result.message}`;
  });
}
