import type { FastifyReply } from "fastify";
import { ERROR_CODES, type ErrorCode } from "../../shared/errors.js";

/** Every API error has one shape, and its status comes from the error catalogue. */
export function sendError(reply: FastifyReply, code: ErrorCode, message: string) {
  return reply.code(ERROR_CODES[code].http).send({ error: { code, message } });
}

/** Catalogue codes of the 4xx fastify itself answers (bad JSON, body too large, wrong type …). */
const CLIENT_ERRORS: Readonly<Record<number, ErrorCode>> = {
  400: "KF_ERR_USAGE",
  401: "KF_ERR_UNAUTHORIZED",
  403: "KF_ERR_FORBIDDEN",
  404: "KF_ERR_NOT_FOUND",
  409: "KF_ERR_CONFLICT",
  413: "KF_ERR_TOO_LARGE",
  415: "KF_ERR_MEDIA_TYPE",
  421: "KF_ERR_MISDIRECTED",
  429: "KF_ERR_RATE_LIMITED",
};

/** A 4xx keeps its status; one the catalogue has no code for is a malformed request. */
export function sendClientError(reply: FastifyReply, status: number, message: string) {
  return reply.code(status).send({ error: { code: CLIENT_ERRORS[status] ?? "KF_ERR_USAGE", message } });
}
