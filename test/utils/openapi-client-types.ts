import { execFileSync } from 'node:child_process';
import { dirname, relative, resolve } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(__dirname, '../..');

/**
 * The TypeScript types openapi-typescript generates from an OpenAPI document, formatted by the
 * project's prettier so that the checked-in copy at `file` passes `prettier --check`.
 */
export function generateClientTypes(document: object, file: string): string {
  return execFileSync(
    process.execPath,
    [resolve(__dirname, 'generate-openapi-types.mjs'), relative(ROOT, file)],
    { cwd: ROOT, input: JSON.stringify(document), encoding: 'utf8' },
  );
}

/**
 * Type-checks `rootFile` and what it imports with the project's compiler options, strict, no emit.
 * `overrides` serves files from memory instead of disk (the freshly generated client types).
 * Returns the diagnostics, formatted as tsc prints them; none means it compiles.
 */
export function typeCheck(rootFile: string, overrides: Record<string, string> = {}): string[] {
  const configFile = resolve(ROOT, 'tsconfig.json');
  const { config } = ts.readConfigFile(configFile, ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, dirname(configFile));
  const compilerOptions = { ...options, noEmit: true, strict: true, incremental: false };
  const files = new Map(Object.entries(overrides).map(([file, text]) => [resolve(file), text]));
  const host = ts.createCompilerHost(compilerOptions);
  const { readFile, fileExists } = host;
  host.readFile = (file) => files.get(resolve(file)) ?? readFile.call(host, file);
  host.fileExists = (file) => files.has(resolve(file)) || fileExists.call(host, file);
  const program = ts.createProgram({ rootNames: [rootFile], options: compilerOptions, host });
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    if (!diagnostic.file || diagnostic.start === undefined) return message;
    const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
    const where = `${relative(ROOT, diagnostic.file.fileName)}:${line + 1}:${character + 1}`;
    return `${where} TS${diagnostic.code}: ${message}`;
  });
}
