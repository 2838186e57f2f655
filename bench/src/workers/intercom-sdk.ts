/**
 * Worker (baseline): the official Intercom SDK (`intercom-client`) used the way its docs show:
 * list iterators for contacts and conversations, then one `conversations.find` per conversation.
 * Pointed at the simulator with `baseUrl` and the token. Page size 150 (the API maximum) so
 * the baseline makes no more list calls than it must.
 */
import { IntercomClient } from "intercom-client";
import { stopwatch, worker } from "../harness/worker.js";

export interface IntercomSdkParams {
  url: string;
  token: string;
}
export interface IntercomSdkResult {
  ms: number;
  contacts: number;
  conversations: number;
  details: number;
}

worker<IntercomSdkParams, IntercomSdkResult>(async (p) => {
  // Used as its docs show: token, base URL (the simulator), defaults otherwise.
  const client = new IntercomClient({ token: p.token, baseUrl: p.url });
  const elapsed = stopwatch();
  let contacts = 0;
  const contactPages = await client.contacts.list({ per_page: 150 });
  for await (const _contact of contactPages) contacts++;
  const ids: string[] = [];
  const conversationPages = await client.conversations.list({ per_page: 150 });
  for await (const conversation of conversationPages) ids.push(conversation.id);
  let details = 0;
  for (const id of ids) {
    const full = await client.conversations.find({ conversation_id: id });
    if (full.id) details++;
  }
  return { ms: elapsed(), contacts, conversations: ids.length, details };
});
