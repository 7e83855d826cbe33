// The one error envelope, {error: {code, message}}, with the HTTP status of each code from the
// error catalogue (shared/errors.ts), and the errors every route of a kind can answer.
import { Type, type Static, type TUnsafe } from "@sinclair/typebox";
import { ERROR_CODES, type ErrorCode } from "../errors.js";
import { StringEnum } from "./schema-kit.js";

const CODES = Object.keys(ERROR_CODES) as ErrorCode[];

export const ErrorSchema = Type.Object(
  { error: Type.Object({ code: StringEnum(CODES), message: Type.String() }) },
  { $id: "Error", description: "Every error answer; the status comes from the error catalogue (docs/errors.md)" },
);
export type ApiError = Static<typeof ErrorSchema>;

/** Access control and a bug: any /api/v1 route (api-auth.ts, the error handler). */
export const READ_ERRORS = ["KF_ERR_UNAUTHORIZED", "KF_ERR_FORBIDDEN", "KF_ERR_INTERNAL"] as const satisfies readonly ErrorCode[];
/** And any write: the checks against browsers (write-guard.ts) and fastify's own on the body (not JSON, too large). */
export const WRITE_ERRORS = [...READ_ERRORS, "KF_ERR_USAGE", "KF_ERR_TOO_LARGE", "KF_ERR_MEDIA_TYPE", "KF_ERR_MISDIRECTED"] as const satisfies readonly ErrorCode[];

type StatusOf<C extends ErrorCode> = (typeof ERROR_CODES)[C]["http"];

/** The envelope restricted to codes of one status; the codes are listed in its `enum` and description. */
function envelope(codes: readonly ErrorCode[]): TUnsafe<ApiError> {
  return Type.Unsafe<ApiError>({
    description: codes.map((c) => `${c}: ${ERROR_CODES[c].summary}`).join("; "),
    type: "object",
    properties: {
      error: { type: "object", properties: { code: { type: "string", enum: codes }, message: { type: "string" } }, required: ["code", "message"] },
    },
    required: ["error"],
  });
}

/** Response schemas by status for these codes (duplicates ignored), e.g. {404: …, 401: …}. */
export function errorResponses<const C extends readonly ErrorCode[]>(codes: C): { [S in StatusOf<C[number]>]: TUnsafe<ApiError> } {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const c of new Set(codes)) byStatus.set(ERROR_CODES[c].http, [...(byStatus.get(ERROR_CODES[c].http) ?? []), c]);
  return Object.fromEntries([...byStatus].sort(([a], [b]) => a - b).map(([status, cs]) => [status, envelope(cs)])) as { [S in StatusOf<C[number]>]: TUnsafe<ApiError> };
}
