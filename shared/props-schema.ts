// Property schemas that resource kinds and their producers (the compiler, the CSR service) share.
import { Type } from "@sinclair/typebox";

export const AbsolutePath = Type.String({ pattern: "^/", minLength: 1, maxLength: 4096 });
/** Octal permission string: "0644", "644", "02775". */
export const Mode = Type.String({ pattern: "^0?[0-7]{3,4}$" });
/** A user or group name, or a numeric id. */
export const Principal = Type.String({ pattern: "^([a-z_][a-zA-Z0-9_.-]{0,31}\\$?|[0-9]{1,10})$" });
