/** Types and small helpers shared by the workspace's entity stores. */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface WorkspaceOptions {
  seed: number;
  contacts: number;
  companies: number;
  conversations: number;
  admins: number;
  teams: number;
  tags: number;
  segments: number;
  largeConversations: number;
  maxPartsPerConversation: number;
  now: number;
  timezone: string;
}

export interface MutateOptions {
  updateContacts?: number;
  addContacts?: number;
  updateConversations?: number;
  addParts?: number;
  deleteConversations?: number;
  /** Permanently delete this many live contacts (GET /contacts/{id} then answers 404). */
  deleteContacts?: number;
  mergeContacts?: number;
  advanceSeconds?: number;
}

export interface MutateResult {
  /** Workspace "now" after the mutation; every changed record carries it as updated_at. */
  now: number;
  updatedContacts: string[];
  addedContacts: string[];
  mergedContacts: { from: string; into: string }[];
  deletedContacts: string[];
  updatedConversations: string[];
  /** Conversations that received new parts (one entry per conversation). */
  conversationsWithNewParts: string[];
  addedParts: number;
  deletedConversations: string[];
}

export interface DataAttribute extends JsonObject {}

export const DAY = 86_400;
/** `Contacts.mergedInto` value of a deleted contact. */
export const CONTACT_DELETED = -2;

/** What every entity store needs from the workspace: identity, the clock, id minting. */
export interface WorkspaceBase {
  readonly seed: number;
  readonly appId: string;
  /** Workspace "now" (unix seconds); mutations advance it. */
  readonly now: number;
  /** Mongo-ObjectId-like 24-hex id: 8 hex of a timestamp, 6 of the seed, 10 of a counter. */
  objectId(timestamp: number, counter: number): string;
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/\n/g, "<br>");
}
