import { teamSchema } from "../schemas.js";
import { singleList } from "./simple.js";
import type { IntercomStream } from "./types.js";

/** GET /teams (not paginated, §4.5). */
export const teamsStream: IntercomStream = {
  name: "teams",
  descriptor: () => ({ name: "teams", primaryKey: ["id"], schema: teamSchema(), syncModes: ["full"] }),
  read: (ctx) => singleList(ctx, "/teams", "teams"),
};
