/** A server error reply: `{ ok: 0, code, codeName, errmsg }` (the driver raises MongoServerError). */
export class CommandError extends Error {
  constructor(
    readonly code: number,
    readonly codeName: string,
    message: string,
    readonly errorLabels: string[] = [],
  ) {
    super(message);
  }
}

export const namespaceNotFound = (ns: string) =>
  new CommandError(26, "NamespaceNotFound", `ns not found: ${ns}`);
export const namespaceExists = (ns: string) =>
  new CommandError(48, "NamespaceExists", `Collection ${ns} already exists.`);
