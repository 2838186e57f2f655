import { adminSchema } from "../schemas.js";
import { singleList } from "./simple.js";
import type { IntercomStream } from "./types.js";

/** GET /admins (not paginated, §4.3). */
export const adminsStream: IntercomStream = {
  name: "admins",
  descriptor: () => ({ name: "admins", primaryKey: ["id"], schema: adminSchema(), syncModes: ["full"] }),
  read: (ctx) => singleList(ctx, "/admins", "admins"),
};
