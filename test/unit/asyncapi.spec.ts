import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import specs from '@asyncapi/specs';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { getMetadataStorage } from 'class-validator';
import * as ts from 'typescript';
import { parse as parseYaml } from 'yaml';
import { AuthErrorCode } from '../../src/auth/auth.errors';
import * as payloadClasses from '../../src/realtime/dto/socket-payloads.dto';
import { ClientEvents, ServerEvents } from '../../src/realtime/socket-events';

/**
 * docs/asyncapi.yaml against the code, so the two cannot drift: the document is valid AsyncAPI 3.0;
 * its client events are ClientEvents and its server events ServerToClientEvents; each client payload
 * is what its DTO's validators accept (class-validator's metadata); each ack is what the gateway's
 * handler returns, and each server payload what ServerToClientEvents types it (both read with the
 * TypeScript compiler); examples fit their schemas.
 */

const ROOT = resolve(__dirname, '../..');
const DOC_PATH = 'docs/asyncapi.yaml';
const SOCKET_EVENTS = join(ROOT, 'src/realtime/socket-events.ts');
const GATEWAY = join(ROOT, 'src/realtime/chat.gateway.ts');

type Schema = Record<string, any>;

const doc = parseYaml(readFileSync(join(ROOT, DOC_PATH), 'utf8')) as Schema;

function pointer(ref: string): unknown {
  if (!ref.startsWith('#/')) throw new Error(`${DOC_PATH}: only local $refs are supported: ${ref}`);
  let node: unknown = doc;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    node = (node as Record<string, unknown> | undefined)?.[key];
    if (node === undefined) throw new Error(`${DOC_PATH}: $ref ${ref} points at nothing`);
  }
  return node;
}

/** Follows $refs until a node that is not one. */
function deref(node: Schema): Schema {
  let current = node;
  for (let hops = 0; typeof current.$ref === 'string'; hops++) {
    if (hops > 20) throw new Error(`${DOC_PATH}: $ref loop at ${node.$ref}`);
    current = pointer(current.$ref as string) as Schema;
  }
  return current;
}

/** The schema with every $ref replaced by its target (the schemas have no cycles). */
function inline(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(inline);
  if (typeof node !== 'object' || node === null) return node;
  const resolved = deref(node as Schema);
  return Object.fromEntries(Object.entries(resolved).map(([key, value]) => [key, inline(value)]));
}

interface DocEvent {
  name: string;
  message: Schema;
  payload: Schema;
  reply: Schema | null;
}

/** The events of one direction, from the operations: receive = client → server, send = the reverse. */
function documentedEvents(action: 'receive' | 'send'): DocEvent[] {
  return Object.entries(doc.operations as Record<string, Schema>)
    .filter(([, operation]) => operation.action === action)
    .map(([key, operation]) => {
      // Tolerant of a malformed document: the validity tests say what is wrong with it.
      const [message = {}] = ((operation.messages ?? []) as Schema[]).map(deref);
      const [replyMessage] = ((operation.reply ? deref(operation.reply).messages : null) ??
        []) as Schema[];
      return {
        name: (message.name as string | undefined) ?? `(operation ${key} names no message)`,
        message,
        payload: deref(message.payload ?? {}),
        reply: replyMessage ? deref(deref(replyMessage).payload ?? {}) : null,
      };
    });
}

const clientEvents = documentedEvents('receive');
const serverEvents = documentedEvents('send').filter(
  (event) => !event.message['x-socketio-reserved'],
);

function documentedEvent(events: DocEvent[], name: string): DocEvent | undefined {
  return events.find((event) => event.name === name);
}

/** Names in one list and not the other, one line each. */
function nameProblems(
  kind: string,
  [source, code]: [string, string[]],
  [target, other]: [string, string[]],
): string[] {
  return [
    ...code
      .filter((name) => !other.includes(name))
      .map((name) => `${kind} "${name}" is in ${source} but not in ${target}`),
    ...other
      .filter((name) => !code.includes(name))
      .map((name) => `${kind} "${name}" is in ${target} but not in ${source}`),
  ];
}

/** Field path (`payload.lastMessage.body`) → descriptor (`string | null (optional)`). */
type Shape = Map<string, string>;

const literalUnion = (values: unknown[]) =>
  values
    .map((value) => JSON.stringify(value))
    .sort()
    .join(' | ');

function descriptor(base: string, nullable: boolean, optional: boolean): string {
  return `${base}${nullable ? ' | null' : ''}${optional ? ' (optional)' : ''}`;
}

/** A schema's shape: types, required-ness, nullability and enums (not ranges or formats). */
function schemaShape(
  node: Schema,
  path: string,
  optional = false,
  shape: Shape = new Map(),
): Shape {
  let schema = deref(node);
  let nullable = false;
  const branches = (schema.oneOf ?? schema.anyOf) as Schema[] | undefined;
  if (branches) {
    const others = branches.map(deref).filter((branch) => branch.type !== 'null');
    nullable = others.length < branches.length;
    if (others.length !== 1) {
      shape.set(path, descriptor('a union this test does not read', nullable, optional));
      return shape;
    }
    schema = others[0];
  }
  const types = ([] as string[]).concat(schema.type ?? []);
  if (types.includes('null')) nullable = true;
  const [type] = types.filter((candidate) => candidate !== 'null');
  let base: string;
  if (schema.const !== undefined) base = literalUnion([schema.const]);
  else if (Array.isArray(schema.enum)) {
    if (schema.enum.includes(null)) nullable = true;
    base = literalUnion(schema.enum.filter((value: unknown) => value !== null));
  } else base = type ?? 'any';
  shape.set(path, descriptor(base, nullable, optional));
  if (type === 'object') {
    const required = new Set<string>(schema.required ?? []);
    for (const [name, property] of Object.entries((schema.properties ?? {}) as Schema)) {
      schemaShape(property, `${path}.${name}`, !required.has(name), shape);
    }
  }
  if (type === 'array' && schema.items) schemaShape(schema.items, `${path}[]`, false, shape);
  return shape;
}

/** The differences, one line each, naming the event and the field. */
function compareShapes(event: string, code: Shape, codeName: string, documented: Shape): string[] {
  const problems: string[] = [];
  for (const [path, expected] of code) {
    const actual = documented.get(path);
    if (actual === undefined) {
      problems.push(`${event} ${path}: ${codeName} has it (${expected}), ${DOC_PATH} does not`);
    } else if (actual !== expected) {
      problems.push(`${event} ${path}: ${codeName} has ${expected}, ${DOC_PATH} has ${actual}`);
    }
  }
  for (const [path, actual] of documented) {
    if (!code.has(path)) {
      problems.push(`${event} ${path}: ${DOC_PATH} has it (${actual}), ${codeName} does not`);
    }
  }
  return problems;
}

let program: ts.Program | undefined;

/** One program for the event maps and the gateway (created once: it parses their whole import graph). */
function typeChecker(): ts.TypeChecker {
  if (!program) {
    const config = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.json'), undefined, {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
      },
    });
    program = ts.createProgram({
      rootNames: [SOCKET_EVENTS, GATEWAY],
      options: { ...config!.options, noEmit: true },
    });
  }
  return program.getTypeChecker();
}

function sourceFile(path: string): ts.SourceFile {
  typeChecker();
  const file = program!.getSourceFile(path);
  if (!file) throw new Error(`${path} is not in the program`);
  return file;
}

function exportedSymbol(path: string, name: string): ts.Symbol {
  const checker = typeChecker();
  const module = checker.getSymbolAtLocation(sourceFile(path));
  const symbol = module && checker.getExportsOfModule(module).find((each) => each.name === name);
  if (!symbol) throw new Error(`${path} does not export ${name}`);
  return symbol;
}

/** A TypeScript type's shape, in the same terms as schemaShape. */
function typeShape(type: ts.Type, path: string, optional = false, shape: Shape = new Map()): Shape {
  const checker = typeChecker();
  let nullable = false;
  const parts = (type.isUnion() ? type.types : [type]).filter((part) => {
    if (part.flags & ts.TypeFlags.Null) nullable = true;
    return !(part.flags & (ts.TypeFlags.Null | ts.TypeFlags.Undefined));
  });
  let base: string;
  let members: ts.Type | null = null;
  let element: ts.Type | null = null;
  if (parts.length === 2 && parts.every((part) => part.flags & ts.TypeFlags.BooleanLiteral)) {
    base = 'boolean';
  } else if (parts.length > 0 && parts.every((part) => part.isStringLiteral())) {
    base = literalUnion(parts.map((part) => (part as ts.StringLiteralType).value));
  } else if (parts.length === 1) {
    const [part] = parts;
    if (part.flags & ts.TypeFlags.BooleanLiteral) base = checker.typeToString(part);
    else if (part.flags & ts.TypeFlags.String) base = 'string';
    // Every number the server sends is an id, a seq or a count: the document must say integer.
    else if (part.flags & ts.TypeFlags.Number) base = 'integer';
    else if (part.flags & ts.TypeFlags.Boolean) base = 'boolean';
    else if (checker.isArrayType(part)) {
      base = 'array';
      element = checker.getTypeArguments(part as ts.TypeReference)[0];
    } else if (part.flags & ts.TypeFlags.Object || part.isIntersection()) {
      base = 'object';
      members = part;
    } else base = `a type this test does not read (${checker.typeToString(part)})`;
  } else base = `a union this test does not read (${checker.typeToString(type)})`;
  shape.set(path, descriptor(base, nullable, optional));
  for (const property of members ? checker.getPropertiesOfType(members) : []) {
    const propertyOptional = (property.flags & ts.SymbolFlags.Optional) !== 0;
    typeShape(
      checker.getTypeOfSymbol(property),
      `${path}.${property.name}`,
      propertyOptional,
      shape,
    );
  }
  if (element) typeShape(element, `${path}[]`, false, shape);
  return shape;
}

/** Each member of ServerToClientEvents: the event name and the type of its one argument. */
function serverEventTypes(): Map<string, ts.Type> {
  const checker = typeChecker();
  const events = checker.getDeclaredTypeOfSymbol(
    exportedSymbol(SOCKET_EVENTS, 'ServerToClientEvents'),
  );
  return new Map(
    checker.getPropertiesOfType(events).map((member) => {
      const [signature] = checker.getTypeOfSymbol(member).getCallSignatures();
      if (signature?.parameters.length !== 1) {
        throw new Error(`ServerToClientEvents['${member.name}'] must take exactly one argument`);
      }
      return [member.name, checker.getTypeOfSymbol(signature.parameters[0])];
    }),
  );
}

interface GatewayHandler {
  payloadClass: string;
  /** What the handler's work resolves to; the ack is `{ ok: true, ...that }`. */
  result: ts.Type;
}

/** The gateway's route table (ChatGateway['routes']), read from its type: each event's DTO and ack. */
function gatewayHandlers(): Map<string, GatewayHandler> {
  const checker = typeChecker();
  const gateway = checker.getDeclaredTypeOfSymbol(exportedSymbol(GATEWAY, 'ChatGateway'));
  const routes = gateway.getProperty('routes');
  if (!routes) throw new Error('chat.gateway.ts: ChatGateway has no routes table');
  const handlers = new Map<string, GatewayHandler>();
  for (const event of checker.getPropertiesOfType(checker.getTypeOfSymbol(routes))) {
    const routeType = checker.getTypeOfSymbol(event);
    const payload = routeType.getProperty('payload');
    const handle = routeType.getProperty('handle');
    // `payload` is a Type<P>: the DTO class is what its construct signature returns.
    const [construct] = payload ? checker.getTypeOfSymbol(payload).getConstructSignatures() : [];
    const payloadClass = construct?.getReturnType().getSymbol()?.getName();
    const [signature] = handle ? checker.getTypeOfSymbol(handle).getCallSignatures() : [];
    const result = signature && checker.getAwaitedType(signature.getReturnType());
    if (!payloadClass || !result)
      throw new Error(`chat.gateway.ts: cannot read route ${event.name}`);
    handlers.set(event.name, { payloadClass, result });
  }
  return handlers;
}

/** The `{ ok: false, error }` member of the Ack union. */
function ackFailureType(): ts.Type {
  const checker = typeChecker();
  const ack = checker.getDeclaredTypeOfSymbol(exportedSymbol(SOCKET_EVENTS, 'Ack'));
  const failure = (ack.isUnion() ? ack.types : [ack]).find((member) => {
    const ok = member.getProperty('ok');
    return ok && checker.typeToString(checker.getTypeOfSymbol(ok)) === 'false';
  });
  if (!failure) throw new Error('socket-events.ts: Ack has no { ok: false } member');
  return failure;
}

/** The two branches of a documented ack: `ok: true` and `ok: false`. */
function ackBranches(reply: Schema): { success?: Schema; failure?: Schema } {
  const branches = ((reply.oneOf ?? reply.anyOf ?? [reply]) as Schema[]).map(deref);
  const withOk = (value: boolean) =>
    branches.find((branch) => deref(branch.properties?.ok ?? {}).const === value);
  return { success: withOk(true), failure: withOk(false) };
}

/** The schema keywords a property's validators amount to; anything else in the document is prose. */
const CONSTRAINT_KEYWORDS = [
  'type',
  'enum',
  'const',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'pattern',
  'format',
  'not',
  'items',
  'maxItems',
  'uniqueItems',
] as const;

/** How each validator in use reads as JSON Schema. A validator missing here fails the test. */
const VALIDATOR_KEYWORDS: Record<string, (constraints: any[]) => Schema> = {
  isInt: () => ({ type: 'integer' }),
  isNumber: () => ({ type: 'number' }),
  isString: () => ({ type: 'string' }),
  isBoolean: () => ({ type: 'boolean' }),
  min: ([minimum]) => ({ minimum }),
  max: ([maximum]) => ({ maximum }),
  isIn: ([values]) => ({ enum: values }),
  isEnum: ([values]) => ({ enum: Object.values(values as object) }),
  matches: ([pattern]) => ({ pattern: (pattern as RegExp).source }),
  codePointLength: ([minLength, maxLength]) => ({ minLength, maxLength }),
  storableText: () => ({ not: { pattern: '[\\u0000\\uD800-\\uDFFF]' } }),
  // One emoji grapheme or a shortcode: more than JSON Schema can say; the document says it in prose.
  reactionEmoji: () => ({}),
  isArray: () => ({ type: 'array' }),
  arrayMaxSize: ([maxItems]) => ({ maxItems }),
  arrayUnique: () => ({ uniqueItems: true }),
  // Empty only beside attachmentIds: a rule across fields, said in prose.
  emptyOnlyWithAttachments: () => ({}),
};

interface PropertyRule {
  keywords: Schema;
  optional: boolean;
  nullable: boolean;
}

type PayloadClass = new () => object;

/** Each property of a payload class (inherited ones too) as its validators define it. */
function validatedProperties(target: PayloadClass, problems: string[]): Map<string, PropertyRule> {
  const rules = new Map<string, PropertyRule>();
  const metadata = getMetadataStorage().getTargetValidationMetadatas(target, '', true, false);
  for (const entry of metadata) {
    const rule = rules.get(entry.propertyName) ?? {
      keywords: {},
      optional: false,
      nullable: false,
    };
    rules.set(entry.propertyName, rule);
    if (entry.type === 'conditionalValidation') {
      // ValidateIf/IsOptional: asking the condition tells what may be left out or sent as null.
      const condition = entry.constraints[0] as (object: object, value: unknown) => boolean;
      const asks = (value: unknown) => condition({ [entry.propertyName]: value }, value);
      rule.optional ||= !asks(undefined);
      rule.nullable ||= !asks(null);
    } else if (entry.type === 'customValidation' && entry.name && VALIDATOR_KEYWORDS[entry.name]) {
      const keywords = VALIDATOR_KEYWORDS[entry.name](entry.constraints ?? []);
      // `each: true` validates the items of an array.
      if (entry.each) rule.keywords.items = { ...(rule.keywords.items as Schema), ...keywords };
      else Object.assign(rule.keywords, keywords);
    } else {
      problems.push(
        `${target.name}.${entry.propertyName}: validator ${entry.name ?? entry.type} has no ` +
          'JSON Schema reading in VALIDATOR_KEYWORDS (test/unit/asyncapi.spec.ts)',
      );
    }
  }
  return rules;
}

/** A documented property as a PropertyRule, for comparison. */
function documentedRule(property: Schema, optional: boolean): PropertyRule {
  const schema = deref(property);
  const keywords: Schema = {};
  for (const keyword of CONSTRAINT_KEYWORDS) {
    if (schema[keyword] !== undefined) keywords[keyword] = inline(schema[keyword]);
  }
  const types = ([] as string[]).concat(keywords.type ?? []);
  const nullable = types.includes('null');
  if (types.length > 0) {
    const others = types.filter((type) => type !== 'null');
    keywords.type = others.length === 1 ? others[0] : others;
  }
  return { keywords, optional, nullable };
}

/** JSON with sorted keys, so equal rules print alike. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(', ')}]`;
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  const entries = Object.entries(value).sort(([a], [b]) => a.localeCompare(b));
  return `{${entries.map(([key, item]) => `${key}: ${canonical(item)}`).join(', ')}}`;
}

const ruleText = (rule: PropertyRule) =>
  descriptor(canonical(rule.keywords), rule.nullable, rule.optional);

function ajvErrors(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map(
    (error) => `${error.instancePath || '/'} ${error.message} ${JSON.stringify(error.params)}`,
  );
}

describe(DOC_PATH, () => {
  it('is a valid AsyncAPI 3.0 document', () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    const validate = ajv.compile(specs.schemasWithoutId['3.0.0']);
    validate(doc);
    expect(ajvErrors(validate.errors)).toEqual([]);
  });

  it("keeps AsyncAPI's reference rules: each operation's messages belong to its channel", () => {
    const problems: string[] = [];
    const walk = (node: unknown, at: string): void => {
      if (typeof node !== 'object' || node === null) return;
      const ref = (node as Schema).$ref;
      if (typeof ref === 'string') {
        try {
          pointer(ref);
        } catch (error) {
          problems.push(`${at}: ${(error as Error).message}`);
        }
      }
      for (const [key, value] of Object.entries(node)) walk(value, `${at}/${key}`);
    };
    walk(doc, '#');
    const used = new Set<string>();
    for (const [key, operation] of Object.entries(doc.operations as Record<string, Schema>)) {
      const parts: [string, Schema][] = [[key, operation]];
      if (operation.reply) parts.push([`${key}.reply`, deref(operation.reply)]);
      for (const [where, part] of parts) {
        const channel = (part.channel as Schema | undefined)?.$ref as string | undefined;
        const messages = (part.messages ?? []) as Schema[];
        if (!channel || messages.length !== 1) {
          problems.push(`operation ${where}: needs a channel and exactly one message`);
          continue;
        }
        for (const message of messages) {
          if (!String(message.$ref).startsWith(`${channel}/messages/`)) {
            problems.push(`operation ${where}: ${message.$ref} is not a message of ${channel}`);
          }
          used.add(String(message.$ref));
        }
      }
    }
    for (const [channelKey, channel] of Object.entries(doc.channels as Record<string, Schema>)) {
      for (const messageKey of Object.keys(channel.messages ?? {})) {
        const ref = `#/channels/${channelKey}/messages/${messageKey}`;
        if (!used.has(ref)) problems.push(`${ref} is used by no operation`);
      }
    }
    for (const event of clientEvents) {
      if (!event.reply) problems.push(`client event "${event.name}": no reply (the ack)`);
    }
    for (const [direction, events] of [
      ['client', clientEvents],
      ['server', documentedEvents('send')],
    ] as const) {
      const names = events.map((event) => event.name);
      const twice = names.filter((name, index) => names.indexOf(name) !== index);
      for (const name of twice) problems.push(`${direction} event "${name}" is documented twice`);
    }
    expect(problems).toEqual([]);
  });

  it('names exactly the client events of ClientEvents', () => {
    const documented = clientEvents.map((event) => event.name);
    expect(
      nameProblems(
        'client event',
        ['ClientEvents', Object.values(ClientEvents)],
        [DOC_PATH, documented],
      ),
    ).toEqual([]);
  });

  it('names exactly the server events of ServerToClientEvents, plus connect_error', () => {
    const documented: [string, string[]] = [DOC_PATH, serverEvents.map((event) => event.name)];
    expect([
      ...nameProblems('server event', ['ServerEvents', Object.values(ServerEvents)], documented),
      ...nameProblems(
        'server event',
        ['ServerToClientEvents', [...serverEventTypes().keys()]],
        documented,
      ),
    ]).toEqual([]);
    const reserved = documentedEvents('send').filter(
      (event) => event.message['x-socketio-reserved'],
    );
    expect(reserved.map((event) => event.name)).toEqual(['connect_error']);
  });

  it("describes each client payload as its DTO's validators accept it", () => {
    const problems: string[] = [];
    for (const [name, handler] of gatewayHandlers()) {
      const event = `client event "${name}" payload`;
      const documented = documentedEvent(clientEvents, name);
      const target = (payloadClasses as Record<string, PayloadClass | undefined>)[
        handler.payloadClass
      ];
      if (typeof target !== 'function') {
        problems.push(
          `${event}: ${handler.payloadClass} is not exported by socket-payloads.dto.ts`,
        );
        continue;
      }
      if (!documented) continue; // reported by the names test
      const { payload } = documented;
      if (payload.type !== 'object' || payload.additionalProperties !== false) {
        problems.push(`${event}: must be type object with additionalProperties: false`);
      }
      const rules = validatedProperties(target, problems);
      const required = new Set<string>(payload.required ?? []);
      const properties = (payload.properties ?? {}) as Record<string, Schema>;
      for (const [field, rule] of rules) {
        if (!properties[field]) {
          problems.push(
            `${event}.${field}: ${handler.payloadClass} validates it (${ruleText(rule)}), ` +
              `${DOC_PATH} does not have it`,
          );
          continue;
        }
        const actual = ruleText(documentedRule(properties[field], !required.has(field)));
        if (actual !== ruleText(rule)) {
          problems.push(
            `${event}.${field}: ${handler.payloadClass} validates ${ruleText(rule)}, ` +
              `${DOC_PATH} has ${actual}`,
          );
        }
      }
      for (const field of Object.keys(properties)) {
        if (!rules.has(field)) {
          problems.push(`${event}.${field}: ${DOC_PATH} has it, ${handler.payloadClass} does not`);
        }
      }
      for (const field of required) {
        if (!properties[field]) problems.push(`${event}: required ${field} is not a property`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('describes each acknowledgement as the gateway answers it', () => {
    const problems: string[] = [];
    const handlers = gatewayHandlers();
    problems.push(
      ...nameProblems(
        'client event',
        ['ClientEvents', Object.values(ClientEvents)],
        ['the gateway (its routes)', [...handlers.keys()]],
      ),
    );
    const failure = typeShape(ackFailureType(), 'ack');
    for (const [name, handler] of handlers) {
      const event = `client event "${name}"`;
      const documented = documentedEvent(clientEvents, name);
      if (!documented) continue; // reported by the names test
      const branches = documented.reply ? ackBranches(documented.reply) : {};
      if (!branches.success || !branches.failure) {
        problems.push(`${event} ack: needs a oneOf of an { ok: true } and an { ok: false } schema`);
        continue;
      }
      const success = typeShape(handler.result, 'ack');
      success.set('ack.ok', 'true');
      problems.push(
        ...compareShapes(event, success, 'the gateway', schemaShape(branches.success, 'ack')),
        ...compareShapes(event, failure, 'Ack', schemaShape(branches.failure, 'ack')),
      );
    }
    expect(problems).toEqual([]);
  });

  it('describes each server payload as ServerToClientEvents types it', () => {
    const problems: string[] = [];
    for (const [name, type] of serverEventTypes()) {
      const documented = documentedEvent(serverEvents, name);
      if (!documented) continue; // reported by the names test
      problems.push(
        ...compareShapes(
          `server event "${name}"`,
          typeShape(type, 'payload'),
          'ServerToClientEvents',
          schemaShape(documented.payload, 'payload'),
        ),
      );
    }
    expect(problems).toEqual([]);
  });

  it('gives connect_error the codes of a refused handshake', () => {
    const connectError = documentedEvents('send').find((event) => event.name === 'connect_error');
    const codes = deref(deref(connectError!.payload.properties.data).properties.code).enum;
    const tokenCodes = Object.values(AuthErrorCode).filter((code) => code.startsWith('TOKEN_'));
    expect(codes).toEqual(expect.arrayContaining(tokenCodes));
  });

  it('has payload schemas that compile strictly, and examples that fit them', () => {
    // Strict mode also catches misspelt keywords and ones that do not apply to the type.
    const ajv = new Ajv({
      strict: true,
      strictRequired: false,
      allErrors: true,
      allowUnionTypes: true,
    });
    addFormats(ajv);
    const problems: string[] = [];
    let examples = 0;
    for (const [key, message] of Object.entries(
      doc.components.messages as Record<string, Schema>,
    )) {
      let validate: ValidateFunction;
      try {
        validate = ajv.compile(inline(message.payload) as Schema);
      } catch (error) {
        problems.push(`message ${key} payload: ${(error as Error).message}`);
        continue;
      }
      for (const example of (message.examples ?? []) as Schema[]) {
        examples++;
        if (!validate(example.payload)) {
          problems.push(
            ...ajvErrors(validate.errors).map(
              (error) => `message ${key} example ${example.name}: ${error}`,
            ),
          );
        }
      }
    }
    expect(problems).toEqual([]);
    expect(examples).toBeGreaterThan(20);
  });
});
