import { tagSchema } from "../schemas.js";
import { singleList } from "./simple.js";
import type { IntercomStream } from "./types.js";

/** GET /tags (not paginated, §4.6). */
export const tagsStream: IntercomStream = {
  name: "tags",
  descriptor: () => ({ name: "tags", primaryKey: ["id"], schema: tagSchema(), syncModes: ["full"] }),
  read: (ctx) => singleList(ctx, "/tags", "data"),
};
