/** Routes of the admin objects: /me, admins, teams, tags, segments, data attributes (§4.3, §4.5-4.9). */
import { ApiError } from "../search.js";
import type { JsonObject, Workspace } from "../workspace.js";
import { atLeast, errorBody, one, type RouteSpec, routeList } from "./common.js";

export function adminObjectRoutes(ws: Workspace): RouteSpec[] {
  const { routes, route } = routeList();
  route("GET", "/me", () => {
    const admin = ws.objects.admins[0] as JsonObject;
    return {
      status: 200,
      body: {
        type: "admin",
        id: admin.id as string,
        email: admin.email as string,
        name: admin.name as string,
        email_verified: true,
        app: {
          type: "app",
          id_code: ws.appId,
          name: "Sluice Simulated Workspace",
          created_at: ws.now - 1000 * 86_400,
          secure: false,
          identity_verification: false,
          timezone: ws.timezone,
          region: "US",
        },
        avatar: { type: "avatar", image_url: admin.avatar as string },
        has_inbox_seat: admin.has_inbox_seat as boolean,
      },
    };
  });
  // §4.3, §4.5, §4.6, §4.7, §4.9: unpaginated lists.
  route("GET", "/admins", () => ({
    status: 200,
    body: { type: "admin.list", admins: ws.objects.admins },
  }));
  route("GET", "/admins/{id}", ({ params }) =>
    one(
      ws.objects.admins.find((a) => a.id === params[0]),
      "admin_not_found",
    ),
  );
  route("GET", "/teams", () => ({
    status: 200,
    body: { type: "team.list", teams: ws.objects.teams },
  }));
  route("GET", "/teams/{id}", ({ params }) =>
    one(
      ws.objects.teams.find((t) => t.id === params[0]),
      "team_not_found",
    ),
  );
  route("GET", "/tags", () => ({ status: 200, body: { type: "list", data: ws.objects.tags } }));
  route("GET", "/segments", ({ url }) => {
    const withCount = url.searchParams.get("include_count") === "true";
    const segments = ws.objects.segments.map((s, i) => (withCount ? { ...s, count: segmentCount(i) } : s));
    return { status: 200, body: { type: "segment.list", segments } };
  });
  route("GET", "/data_attributes", ({ url, version }) => {
    const model = url.searchParams.get("model");
    const includeArchived = url.searchParams.get("include_archived") === "true";
    if (model === "conversation" && atLeast(version, 2, 16)) {
      return {
        status: 422,
        body: errorBody(
          "parameter_invalid",
          "model=conversation is no longer supported. Use GET /conversations/attributes instead",
        ),
      };
    }
    if (model !== null && !["contact", "company", "conversation"].includes(model)) {
      throw new ApiError(400, "parameter_invalid", `model must be one of contact, company`);
    }
    let data: JsonObject[] =
      model === "contact"
        ? ws.objects.dataAttributes.contact
        : model === "company"
          ? ws.objects.dataAttributes.company
          : model === "conversation"
            ? []
            : [...ws.objects.dataAttributes.contact, ...ws.objects.dataAttributes.company];
    if (!includeArchived) data = data.filter((a) => a.archived !== true);
    return { status: 200, body: { type: "list", data } };
  });
  route("GET", "/conversations/attributes", () => ({
    status: 200,
    body: { type: "list", data: ws.objects.conversationAttributes },
  }));

  function segmentCount(s: number): number {
    let n = 0;
    for (let i = 0; i < ws.contacts.ids.length; i++)
      if (ws.contacts.isLive(i) && ws.contacts.inSegment(i, s)) n++;
    return n;
  }

  return routes;
}
