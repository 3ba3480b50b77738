import type * as TypeScript from "typescript";
import type { Result } from "../../../domain/index.js";
import type { DerivedSignature } from "./derived-signature.js";

type Ts = typeof TypeScript;
type Schema = Record<string, unknown>;

class SchemaError extends Error {}

let loaded: Promise<Ts> | undefined;
/** The compiler is large (~9 MB of JavaScript): loaded on the first TypeScript tool, not at start-up. */
export function loadTypescript(): Promise<Ts> {
  loaded ??= import("typescript").then((module) => (module.default ?? module) as Ts);
  return loaded;
}

/** The first syntax error of a TypeScript/JavaScript source, with its line, or undefined. */
function syntaxError(ts: Ts, file: TypeScript.SourceFile): string | undefined {
  const diagnostics =
    (file as unknown as { parseDiagnostics?: TypeScript.Diagnostic[] }).parseDiagnostics ?? [];
  const first = diagnostics[0];
  if (!first) return undefined;
  const line =
    first.start === undefined ? undefined : file.getLineAndCharacterOfPosition(first.start).line + 1;
  const text = ts.flattenDiagnosticMessageText(first.messageText, "\n");
  return `The source code has a syntax error${line === undefined ? "" : ` on line ${line}`}: ${text}`;
}

interface Candidate {
  name: string;
  node: TypeScript.SignatureDeclaration;
  docHost: TypeScript.Node;
}

function isExported(ts: Ts, node: TypeScript.Node): boolean {
  return (ts.getCombinedModifierFlags(node as TypeScript.Declaration) & ts.ModifierFlags.Export) !== 0;
}

/** Exported functions: `export function f(…)` and `export const f = (…) => …`. */
function exportedFunctions(ts: Ts, file: TypeScript.SourceFile): Candidate[] {
  const found: Candidate[] = [];
  for (const statement of file.statements) {
    if (ts.isFunctionDeclaration(statement) && statement.name && isExported(ts, statement)) {
      found.push({ name: statement.name.text, node: statement, docHost: statement });
    }
    if (ts.isVariableStatement(statement) && isExported(ts, statement)) {
      for (const declaration of statement.declarationList.declarations) {
        const init = declaration.initializer;
        if (
          ts.isIdentifier(declaration.name) &&
          init &&
          (ts.isArrowFunction(init) || ts.isFunctionExpression(init))
        ) {
          found.push({ name: declaration.name.text, node: init, docHost: statement });
        }
      }
    }
  }
  return found;
}

function commentText(
  ts: Ts,
  comment: string | TypeScript.NodeArray<TypeScript.JSDocComment> | undefined,
): string {
  return (ts.getTextOfJSDocComment(comment) ?? "").replace(/^\s*-\s*/, "").trim();
}

function typeSchema(ts: Ts, node: TypeScript.TypeNode, file: TypeScript.SourceFile, where: string): Schema {
  switch (node.kind) {
    case ts.SyntaxKind.StringKeyword:
      return { type: "string" };
    case ts.SyntaxKind.NumberKeyword:
    case ts.SyntaxKind.BigIntKeyword:
      return { type: "number" };
    case ts.SyntaxKind.BooleanKeyword:
      return { type: "boolean" };
    case ts.SyntaxKind.AnyKeyword:
    case ts.SyntaxKind.UnknownKeyword:
      return {};
    case ts.SyntaxKind.ObjectKeyword:
      return { type: "object" };
  }
  if (ts.isParenthesizedTypeNode(node)) return typeSchema(ts, node.type, file, where);
  if (ts.isArrayTypeNode(node))
    return { type: "array", items: typeSchema(ts, node.elementType, file, where) };
  if (ts.isLiteralTypeNode(node)) {
    if (ts.isStringLiteral(node.literal)) return { type: "string", enum: [node.literal.text] };
    if (ts.isNumericLiteral(node.literal)) return { type: "number", enum: [Number(node.literal.text)] };
    if (node.literal.kind === ts.SyntaxKind.TrueKeyword || node.literal.kind === ts.SyntaxKind.FalseKeyword) {
      return { type: "boolean" };
    }
  }
  if (ts.isUnionTypeNode(node)) {
    const members = node.types.filter(
      (member) =>
        member.kind !== ts.SyntaxKind.UndefinedKeyword &&
        !(ts.isLiteralTypeNode(member) && member.literal.kind === ts.SyntaxKind.NullKeyword),
    );
    const schemas = members.map((member) => typeSchema(ts, member, file, where));
    if (schemas.length === 1) return schemas[0] as Schema;
    if (schemas.every((schema) => Array.isArray(schema.enum) && schema.type === schemas[0]?.type)) {
      return { type: schemas[0]?.type, enum: schemas.flatMap((schema) => schema.enum as unknown[]) };
    }
    return { anyOf: schemas };
  }
  if (ts.isTypeLiteralNode(node)) return objectSchema(ts, node.members, file, where);
  if (ts.isTypeReferenceNode(node)) {
    const name = node.typeName.getText(file);
    const [first] = node.typeArguments ?? [];
    if ((name === "Array" || name === "ReadonlyArray") && first) {
      return { type: "array", items: typeSchema(ts, first, file, where) };
    }
    if (name === "Record" || name === "Map") return { type: "object" };
    if (name === "Promise" && first) return typeSchema(ts, first, file, where);
    for (const statement of file.statements) {
      if (ts.isInterfaceDeclaration(statement) && statement.name.text === name) {
        return objectSchema(ts, statement.members, file, where);
      }
      if (ts.isTypeAliasDeclaration(statement) && statement.name.text === name) {
        return typeSchema(ts, statement.type, file, where);
      }
    }
  }
  throw new SchemaError(`${where} has a type Reverie cannot describe: ${node.getText(file)}`);
}

function objectSchema(
  ts: Ts,
  members: TypeScript.NodeArray<TypeScript.TypeElement>,
  file: TypeScript.SourceFile,
  where: string,
): Schema {
  const properties: Record<string, Schema> = {};
  const required: string[] = [];
  for (const member of members) {
    if (!ts.isPropertySignature(member) || !member.type) continue;
    const name = member.name.getText(file).replace(/^["']|["']$/g, "");
    const schema = typeSchema(ts, member.type, file, `${where} (property '${name}')`);
    const doc = ts.getJSDocCommentsAndTags(member).filter(ts.isJSDoc).at(-1);
    const description = doc ? commentText(ts, doc.comment) : "";
    properties[name] = description ? { ...schema, description } : schema;
    if (!member.questionToken) required.push(name);
  }
  return { type: "object", properties, required };
}

function derive(
  ts: Ts,
  source: string,
  javascript: boolean,
  wanted: string | null | undefined,
): DerivedSignature {
  const file = ts.createSourceFile(
    javascript ? "tool.js" : "tool.ts",
    source,
    ts.ScriptTarget.ES2022,
    true,
    javascript ? ts.ScriptKind.JS : ts.ScriptKind.TS,
  );
  const error = syntaxError(ts, file);
  if (error) throw new SchemaError(error);
  const candidates = exportedFunctions(ts, file);
  if (candidates.length === 0) {
    throw new SchemaError("No exported function found in the source code (write `export function name(…)`)");
  }
  const candidate = wanted ? candidates.find((each) => each.name === wanted) : candidates[0];
  if (!candidate) {
    throw new SchemaError(
      `The source code exports no function named '${wanted}' (found: ${candidates.map((each) => each.name).join(", ")})`,
    );
  }
  const doc = ts.getJSDocCommentsAndTags(candidate.docHost).filter(ts.isJSDoc).at(-1);
  const paramDocs = new Map<string, string>();
  for (const tag of doc?.tags ?? []) {
    if (ts.isJSDocParameterTag(tag)) paramDocs.set(tag.name.getText(file), commentText(ts, tag.comment));
  }
  const properties: Record<string, Record<string, unknown>> = {};
  const required: string[] = [];
  const paramNames: string[] = [];
  for (const parameter of candidate.node.parameters) {
    if (!ts.isIdentifier(parameter.name)) {
      throw new SchemaError(
        `Function '${candidate.name}' destructures a parameter; name each parameter instead`,
      );
    }
    const name = parameter.name.text;
    const where = `Parameter '${name}' in function '${candidate.name}'`;
    const typeNode = parameter.type ?? ts.getJSDocType(parameter);
    if (!typeNode) throw new SchemaError(`${where} lacks a type annotation`);
    const schema = typeSchema(ts, typeNode, file, where);
    const description = paramDocs.get(name);
    properties[name] = description ? { ...schema, description } : schema;
    paramNames.push(name);
    const optional = parameter.questionToken !== undefined || parameter.initializer !== undefined;
    if (!optional && !ts.isJSDocOptionalType(typeNode)) required.push(name);
  }
  return {
    name: candidate.name,
    description: doc ? commentText(ts, doc.comment) : "",
    parameters: { type: "object", properties, required },
    paramNames,
    takesAgentState: false,
    varKeywords: false,
  };
}

/**
 * Derives a TypeScript/JavaScript tool's signature as Letta does: the exported function (by name, or the
 * first), its typed parameters and its JSDoc (`@param name - description`). Parsing only: nothing runs.
 */
export async function deriveTypescriptSignature(
  source: string,
  options: { javascript: boolean; name?: string | null | undefined },
): Promise<Result<DerivedSignature>> {
  const ts = await loadTypescript();
  try {
    return { ok: true, value: derive(ts, source, options.javascript, options.name) };
  } catch (error) {
    if (error instanceof SchemaError) return { ok: false, error: error.message };
    if (error instanceof RangeError)
      return { ok: false, error: "The source code is nested too deeply to read" };
    throw error;
  }
}
